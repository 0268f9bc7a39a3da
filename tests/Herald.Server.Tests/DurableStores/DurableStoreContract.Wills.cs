using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.DurableStores;

/// <summary>Wills waiting out their delay.</summary>
public abstract partial class DurableStoreContract
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.3-9")]
    public async Task Delayed_will_comes_back_with_its_properties_and_due_time()
    {
        var clientId = await ClientAsync();
        var will = new ConnectWill("wills/c", "gone"u8.ToArray(), ExactlyOnce, Retain: true)
        {
            Properties = new Properties
            {
                WillDelayInterval = 30,
                PayloadFormatIndicator = 1,
                MessageExpiryInterval = 120,
                ContentType = "text/plain",
                ResponseTopic = "replies/c",
                CorrelationData = [7, 0, 7],
                UserProperties = [new("reason", "power"), new("reason", "cut")],
            },
        };
        Store.SaveSession(clientId, 300, null);

        Store.SaveWill(clientId, will, Start.AddSeconds(30));

        var stored = SessionOf(await RestartAsync(), clientId).Will;
        Assert.NotNull(stored);
        Assert.Equal(Start.AddSeconds(30), stored.DueAt);
        Assert.Equal(("wills/c", "gone", ExactlyOnce, true), (stored.Will.Topic, Text(stored.Will.Payload), stored.Will.QoS, stored.Will.Retain));
        var properties = stored.Will.Properties!;
        Assert.Equal(((uint?)30, (byte?)1, (uint?)120, "text/plain", "replies/c"),
            (properties.WillDelayInterval, properties.PayloadFormatIndicator, properties.MessageExpiryInterval, properties.ContentType, properties.ResponseTopic));
        Assert.Equal([7, 0, 7], properties.CorrelationData!);
        Assert.Equal([new("reason", "power"), new("reason", "cut")], properties.UserProperties!);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-9")]
    public async Task Delayed_will_saved_again_comes_back_as_the_latest()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        Store.SaveWill(clientId, new ConnectWill("wills/first", "1"u8.ToArray(), AtLeastOnce, Retain: true) { Properties = new Properties { WillDelayInterval = 30 } }, Start.AddSeconds(30));
        await DurableAsync();

        Store.SaveWill(clientId, new ConnectWill("wills/second", "2"u8.ToArray(), AtMostOnce, Retain: false), Start.AddSeconds(90));

        var stored = SessionOf(await RestartAsync(), clientId).Will;
        Assert.NotNull(stored);
        Assert.Equal(("wills/second", "2", AtMostOnce, false, Start.AddSeconds(90)), (stored.Will.Topic, Text(stored.Will.Payload), stored.Will.QoS, stored.Will.Retain, stored.DueAt));
        Assert.Null(stored.Will.Properties);
    }

    [Fact]
    public async Task Delayed_will_cleared_with_null_does_not_come_back()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        Store.SaveWill(clientId, new ConnectWill("wills/c", "gone"u8.ToArray(), AtLeastOnce, Retain: false), Start.AddSeconds(30));
        await DurableAsync();

        Store.SaveWill(clientId, will: null, default); // its client came back in time

        Assert.Null(SessionOf(await RestartAsync(), clientId).Will);
    }

    [Fact]
    public async Task Delayed_will_with_an_empty_payload_comes_back_empty()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);

        Store.SaveWill(clientId, new ConnectWill("wills/c", [], AtLeastOnce, Retain: false), Start.AddSeconds(30));

        var stored = SessionOf(await RestartAsync(), clientId).Will;
        Assert.NotNull(stored);
        Assert.Equal(("wills/c", 0), (stored.Will.Topic, stored.Will.Payload.Length));
    }
}

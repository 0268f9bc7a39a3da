using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>MQTT 5 subscription options (No Local, Retain As Published, Retain Handling) and subscription identifiers.</summary>
public sealed class Mqtt5SubscriptionOptionsTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.8.3-3")]
    public async Task No_local_subscriber_does_not_get_its_own_messages()
    {
        var topic = Unique.Topic("nolocal");
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5local"));
        await SubscribeAsync(client, new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithNoLocal(true));
        await using var other = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5other"));
        await other.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await client.PublishAsync(topic, "own", MqttQualityOfServiceLevel.AtLeastOnce);
        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "someone else's", 1));

        Assert.Equal("someone else's", (await client.ReceiveAsync()).Payload);
        // Others subscribed to the topic still get it.
        Assert.Equal("own", (await other.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Subscriber_without_no_local_gets_its_own_messages()
    {
        var topic = Unique.Topic("nolocal");
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5local"));
        await SubscribeAsync(client, new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithNoLocal(false));

        await client.PublishAsync(topic, "own", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal("own", (await client.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-12")]
    [Trait("Spec", "MQTT-3.3.1-13")]
    public async Task Retain_as_published_keeps_the_retain_flag_on_live_messages()
    {
        var topic = Unique.Topic("rap");
        await using var keeps = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5rap"));
        await SubscribeAsync(keeps, new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainAsPublished(true));
        await using var clears = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5norap"));
        await SubscribeAsync(clears, new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainAsPublished(false));

        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "retained", 1, Retain: true));
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "plain", 1, Retain: false));

        Assert.Equal(("retained", true), Short(await keeps.ReceiveAsync()));
        Assert.Equal(("plain", false), Short(await keeps.ReceiveAsync()));
        Assert.Equal(("retained", false), Short(await clears.ReceiveAsync()));
        Assert.Equal(("plain", false), Short(await clears.ReceiveAsync()));
        await ClearRetainedAsync(topic);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-9")]
    [Trait("Spec", "MQTT-3.3.1-11")]
    public async Task Retain_handling_2_sends_no_retained_message_on_subscribe()
    {
        var topic = Unique.Topic("rh");
        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "retained", 1, Retain: true));
        await using var never = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5rh2"));
        await using var always = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5rh0"));

        await SubscribeAsync(never, new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe));
        await SubscribeAsync(always, new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainHandling(MqttRetainHandling.SendAtSubscribe));
        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "marker", 1));

        Assert.Equal(("marker", false), Short(await never.ReceiveAsync()));
        Assert.Equal(("retained", true), Short(await always.ReceiveAsync()));
        Assert.Equal(("marker", false), Short(await always.ReceiveAsync()));
        await ClearRetainedAsync(topic);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    public async Task Retain_handling_1_sends_retained_messages_only_for_a_new_subscription()
    {
        var topic = Unique.Topic("rh");
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "retained", 1, Retain: true));
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5rh1"));
        var onlyIfNew = new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainHandling(MqttRetainHandling.SendAtSubscribeIfNewSubscriptionOnly);

        await SubscribeAsync(client, onlyIfNew);
        Assert.Equal(("retained", true), Short(await client.ReceiveAsync()));
        await SubscribeAsync(client, onlyIfNew);
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "marker", 1));

        Assert.Equal(("marker", false), Short(await client.ReceiveAsync()));
        await ClearRetainedAsync(topic);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Subscription_identifier_comes_back_on_matching_messages()
    {
        var topic = Unique.Topic("subid");
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5subid"));
        Assert.True(client.ConnectResult.SubscriptionIdentifiersAvailable);
        var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(topic + "/+", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithSubscriptionIdentifier(4242)
            .Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, subscribed.Items.Single().ResultCode);

        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic + "/a", "identified", 1));

        var received = await client.ReceiveAsync();
        Assert.Equal("identified", received.Payload);
        Assert.Equal([4242u], received.SubscriptionIdentifiers);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    [Trait("Spec", "MQTT-3.3.4-4")]
    [Trait("Spec", "MQTT-3.3.4-5")]
    public async Task Overlapping_subscriptions_each_bring_their_own_identifier()
    {
        var topic = Unique.Topic("subid");
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5subid"));
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic + "/+", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(1).Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic + "/#", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(2).Build());
        // A subscription without an identifier adds a copy (or nothing) but no identifier.
        await client.SubscribeAsync(topic + "/a", MqttQualityOfServiceLevel.AtLeastOnce);
        await client.SubscribeAsync(topic + "-end", MqttQualityOfServiceLevel.AtLeastOnce);

        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic + "/a", "overlap", 1));
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic + "-end", "marker", 1));

        // One copy with both identifiers, or one copy per subscription with its own: the union is {1, 2}.
        var identifiers = new List<uint>();
        for (var received = await client.ReceiveAsync(); received.Payload != "marker"; received = await client.ReceiveAsync())
        {
            Assert.Equal("overlap", received.Payload);
            identifiers.AddRange(received.SubscriptionIdentifiers);
        }
        Assert.Equal([1u, 2u], identifiers.Order());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Retained_message_sent_on_subscribe_carries_the_subscription_identifier()
    {
        var topic = Unique.Topic("subid");
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "retained", 1, Retain: true));
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5subid"));

        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(77).Build());

        var received = await client.ReceiveAsync();
        Assert.Equal(("retained", true), Short(received));
        Assert.Equal([77u], received.SubscriptionIdentifiers);
        await ClearRetainedAsync(topic);
    }

    [Fact]
    public async Task Unsubscribe_reports_a_filter_that_had_no_subscription()
    {
        var topic = Unique.Topic("unsub");
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5unsub"));
        await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        using var cts = new CancellationTokenSource(Wait.Bound);
        var result = await client.Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(topic).WithTopicFilter(topic + "/never").Build(), cts.Token);

        Assert.Equal([MqttClientUnsubscribeResultCode.Success, MqttClientUnsubscribeResultCode.NoSubscriptionExisted], result.Items.Select(i => i.ResultCode));
    }

    [Fact]
    public async Task Resubscribing_without_an_identifier_removes_it()
    {
        var topic = Unique.Topic("subid");
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5subid"));
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(9).Build());

        // [MQTT-3.8.4-3] the new subscription replaces the old one, options and identifier included.
        await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "plain", 1));

        Assert.Empty((await client.ReceiveAsync()).SubscriptionIdentifiers);
    }

    private static async Task SubscribeAsync(Mqtt5Client client, MqttTopicFilterBuilder filter)
    {
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, result.Items.Single().ResultCode);
    }

    /// <summary>Topics are unique, but the server keeps retained messages for its whole life: leave none behind.</summary>
    private Task ClearRetainedAsync(string topic) =>
        Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "", 1, Retain: true));

    private static (string Payload, bool Retain) Short(Mqtt5Message message) => (message.Payload, message.Retain);
}

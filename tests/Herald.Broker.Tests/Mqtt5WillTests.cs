using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 wills: Will Delay Interval, DISCONNECT 0x04, will properties (sections 3.1.2.5, 3.1.3.2), on a fake clock.</summary>
public sealed class Mqtt5WillTests
{
    private static ConnectWill Will(uint? delay = null, Properties? properties = null)
    {
        var willProperties = properties ?? new Properties();
        willProperties.WillDelayInterval = delay;
        return new ConnectWill("status/dev", "offline"u8.ToArray(), AtMostOnce, Retain: false) { Properties = willProperties };
    }

    private static Properties Expiry(uint seconds) => new() { SessionExpiryInterval = seconds };

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_with_a_delay_is_published_when_the_delay_has_passed()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", Expiry(60), will: Will(delay: 5));

        device.LoseConnection();
        watcher.AssertReceivedNothing();
        broker.Advance(TimeSpan.FromSeconds(4));
        watcher.AssertReceivedNothing();
        broker.Advance(TimeSpan.FromSeconds(1));

        watcher.AssertReceivedMessages(new Publish("status/dev", "offline"));
        Assert.True(broker.HasSession("dev")); // the session outlives the will
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-9")]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_with_a_delay_is_not_published_when_the_client_reconnects_within_it()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", Expiry(60), will: Will(delay: 5));
        device.LoseConnection();

        broker.Advance(TimeSpan.FromSeconds(3));
        await broker.Connect5Async("dev", Expiry(60), cleanStart: false);
        broker.Advance(TimeSpan.FromSeconds(10));

        watcher.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_with_a_delay_is_published_when_a_clean_start_reconnect_ends_the_session()
    {
        // Clean Start ends the old session, and a will goes out when its session ends; the
        // new connection does not resume the session the will belonged to (as Mosquitto does).
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", Expiry(60), will: Will(delay: 5));
        device.LoseConnection();

        broker.Advance(TimeSpan.FromSeconds(3));
        await broker.Connect5Async("dev", Expiry(60), cleanStart: true);

        watcher.AssertReceivedMessages(new Publish("status/dev", "offline"));
        broker.Advance(TimeSpan.FromSeconds(10));
        watcher.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_is_published_when_the_session_ends_before_the_delay()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", Expiry(5), will: Will(delay: 30));

        device.LoseConnection();
        broker.Advance(TimeSpan.FromSeconds(4));
        watcher.AssertReceivedNothing();
        broker.Advance(TimeSpan.FromSeconds(1));

        Assert.False(broker.HasSession("dev"));
        watcher.AssertReceivedMessages(new Publish("status/dev", "offline"));
        broker.Advance(TimeSpan.FromSeconds(30));
        watcher.AssertReceivedNothing(); // once only [MQTT-3.1.2-10]
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_with_a_delay_is_published_at_once_when_the_session_ends_with_the_connection()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", will: Will(delay: 30));

        device.LoseConnection();

        watcher.AssertReceivedMessages(new Publish("status/dev", "offline"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Disconnect_with_reason_0x04_publishes_the_will()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", will: Will());

        await device.DisconnectAsync(ReasonCode.DisconnectWithWillMessage);

        Assert.True(device.IsClosed);
        device.AssertReceivedNothing();
        watcher.AssertReceivedMessages(new Publish("status/dev", "offline"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.14.4-3")]
    [Trait("Spec", "MQTT-3.1.2-10")]
    public async Task Normal_disconnect_discards_the_will_even_with_a_delay_pending()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", Expiry(60), will: Will(delay: 5));

        await device.DisconnectAsync(ReasonCode.NormalDisconnection);
        broker.Advance(TimeSpan.FromSeconds(120));

        Assert.True(device.IsClosed);
        watcher.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-10")]
    [Trait("Spec", "MQTT-3.3.2-17")]
    public async Task Will_is_published_with_its_will_properties()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var will = Will(properties: new Properties
        {
            ContentType = "text/plain",
            ResponseTopic = "status/ack",
            CorrelationData = [7, 8],
            UserProperties = [new("site", "a"), new("rack", "3"), new("site", "b")],
        });
        var device = await broker.Connect5Async("dev", will: will);

        device.LoseConnection();

        var publish = Assert.Single(watcher.ReceivedPublishes());
        Assert.Equal("text/plain", publish.Properties?.ContentType);
        Assert.Equal("status/ack", publish.Properties?.ResponseTopic);
        Assert.Equal([7, 8], publish.Properties?.CorrelationData);
        Assert.Equal([new("site", "a"), new("rack", "3"), new("site", "b")], publish.UserProperties);
        Assert.Null(publish.Properties?.WillDelayInterval);
    }

    [Fact]
    public async Task Will_message_expiry_counts_from_when_the_will_is_published()
    {
        // Section 3.1.3.2.4: the will's Message Expiry Interval is its lifetime, sent as the
        // Publication Expiry Interval when the server publishes it, so a delay does not eat into it.
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", Expiry(60), will: Will(delay: 5, new Properties { MessageExpiryInterval = 10 }));

        device.LoseConnection();
        broker.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(10u, Assert.Single(watcher.ReceivedPublishes()).MessageExpiryInterval);
    }

    [Fact]
    public async Task Will_whose_message_expiry_is_shorter_than_its_delay_is_still_published()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.Connect5Async("dev", Expiry(60), will: Will(delay: 5, new Properties { MessageExpiryInterval = 2 }));

        device.LoseConnection();
        broker.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(2u, Assert.Single(watcher.ReceivedPublishes()).MessageExpiryInterval);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-3")]
    public async Task Will_of_a_client_taken_over_is_published_when_it_has_no_delay()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        await broker.Connect5Async("dev", will: Will());

        await broker.Connect5Async("dev");

        watcher.AssertReceivedMessages(new Publish("status/dev", "offline"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-9")]
    public async Task Will_with_a_delay_is_not_published_when_the_session_is_taken_over()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        await broker.Connect5Async("dev", Expiry(60), will: Will(delay: 5));

        await broker.Connect5Async("dev", Expiry(60), cleanStart: false);
        broker.Advance(TimeSpan.FromSeconds(10));

        watcher.AssertReceivedNothing();
    }
}

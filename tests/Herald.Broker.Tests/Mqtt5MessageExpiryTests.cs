using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 Message Expiry Interval (section 3.3.2.3.3), on a fake clock.</summary>
public sealed class Mqtt5MessageExpiryTests
{
    private static Properties Expiry(uint seconds) => new() { MessageExpiryInterval = seconds };

    /// <summary>A subscriber to "t" at QoS 1 with a lasting session, whose connection has dropped.</summary>
    private static async Task OfflineSubscriberAsync(TestBroker broker)
    {
        var subscriber = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 3600 });
        await subscriber.SubscribeAsync("t", AtLeastOnce);
        subscriber.LoseConnection();
    }

    private static Task<TestClient> ReconnectSubscriberAsync(TestBroker broker) =>
        broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 3600 }, cleanStart: false);

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public async Task Message_sent_at_once_carries_its_whole_expiry_interval()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "fresh", AtLeastOnce, properties: Expiry(10));

        Assert.Equal(10u, Assert.Single(subscriber.ReceivedPublishes()).MessageExpiryInterval);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Message_queued_for_an_offline_session_is_dropped_once_it_expired()
    {
        using var broker = new TestBroker();
        await OfflineSubscriberAsync(broker);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "stale", AtLeastOnce, properties: Expiry(10));
        await publisher.PublishAsync("t", "lasting", AtLeastOnce);

        broker.Advance(TimeSpan.FromSeconds(11));
        var subscriber = await ReconnectSubscriberAsync(broker);

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.Equal("lasting", publish.Payload);
        Assert.Null(publish.MessageExpiryInterval);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public async Task Message_queued_for_an_offline_session_is_sent_with_what_remains_of_its_expiry_interval()
    {
        using var broker = new TestBroker();
        await OfflineSubscriberAsync(broker);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "waiting", AtLeastOnce, properties: Expiry(10));

        broker.Advance(TimeSpan.FromSeconds(4));
        var subscriber = await ReconnectSubscriberAsync(broker);

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.Equal("waiting", publish.Payload);
        Assert.Equal(6u, publish.MessageExpiryInterval);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Message_waiting_behind_the_receive_maximum_is_dropped_once_it_expired()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtLeastOnce, new Properties { ReceiveMaximum = 1 });
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "first", AtLeastOnce);
        await publisher.PublishAsync("t", "short-lived", AtLeastOnce, properties: Expiry(5));
        await publisher.PublishAsync("t", "last", AtLeastOnce);
        var first = Assert.Single(subscriber.ReceivedPublishes());

        broker.Advance(TimeSpan.FromSeconds(6));
        await subscriber.PubAckAsync(first.PacketId);

        Assert.Equal("last", Assert.Single(subscriber.ReceivedPublishes()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Retained_message_is_not_sent_after_it_expired()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtLeastOnce, retain: true, properties: Expiry(10));

        broker.Advance(TimeSpan.FromSeconds(11));
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync("t", AtLeastOnce);

        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public async Task Retained_message_is_sent_with_what_remains_of_its_expiry_interval()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtLeastOnce, retain: true, properties: Expiry(10));

        broker.Advance(TimeSpan.FromSeconds(3));
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync("t", AtLeastOnce);

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.Equal(new Publish("t", "retained", AtLeastOnce, PacketId: 1, Retain: true), publish.Message);
        Assert.Equal(7u, publish.MessageExpiryInterval);
    }

    [Fact]
    public async Task Mqtt311_subscriber_does_not_get_an_expired_message_either()
    {
        using var broker = new TestBroker();
        var first = await broker.ConnectAsync("classic", cleanSession: false);
        await first.SubscribeAsync("t", AtLeastOnce);
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "stale", AtLeastOnce, properties: Expiry(10));

        broker.Advance(TimeSpan.FromSeconds(11));
        var second = await broker.ConnectAsync("classic", cleanSession: false);

        second.AssertReceivedNothing();
    }
}

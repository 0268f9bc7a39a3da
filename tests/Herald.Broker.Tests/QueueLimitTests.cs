using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>
/// <see cref="BrokerOptions.MaxQueuedMessages"/> and <see cref="BrokerOptions.MaxQueuedBytes"/>: what is
/// dropped or refused when a client's queue is full, and what the background purge removes.
/// </summary>
public sealed class QueueLimitTests
{
    [Fact]
    public async Task Full_offline_queue_drops_the_oldest_qos1_message()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxQueuedMessages = 3 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);
        subscriber.LoseConnection();
        var publisher = await broker.ConnectAsync("pub");

        for (var i = 1; i <= 5; i++)
            await publisher.PublishAsync("t", $"m{i}", AtLeastOnce);

        Assert.Equal(3, broker.SessionOf("sub").QueuedCount);
        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);
        reconnected.AssertReceived(
            new Publish("t", "m3", AtLeastOnce, PacketId: 1),
            new Publish("t", "m4", AtLeastOnce, PacketId: 2),
            new Publish("t", "m5", AtLeastOnce, PacketId: 3));
    }

    [Fact]
    public async Task Full_queue_behind_the_inflight_window_drops_the_oldest_queued_message_not_the_one_in_flight()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxInflightMessages = 1, MaxQueuedMessages = 2 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub");

        for (var i = 1; i <= 4; i++)
            await publisher.PublishAsync("t", $"m{i}", AtLeastOnce);
        subscriber.AssertReceived(new Publish("t", "m1", AtLeastOnce, PacketId: 1));

        await subscriber.PubAckAsync(1);
        subscriber.AssertReceived(new Publish("t", "m3", AtLeastOnce, PacketId: 2));
        await subscriber.PubAckAsync(2);
        subscriber.AssertReceived(new Publish("t", "m4", AtLeastOnce, PacketId: 3));
    }

    [Fact]
    public async Task Qos0_message_is_dropped_when_the_outbound_queue_is_full()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxQueuedMessages = 2 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtMostOnce);
        var publisher = await broker.ConnectAsync("pub");

        for (var i = 1; i <= 3; i++)
            await publisher.PublishAsync("t", $"m{i}");

        subscriber.AssertReceived(new Publish("t", "m1"), new Publish("t", "m2"));
        await publisher.PublishAsync("t", "m4"); // the writer drained the queue: room again
        subscriber.AssertReceived(new Publish("t", "m4"));
    }

    [Fact]
    public async Task Byte_bound_of_an_offline_queue_drops_the_oldest_messages_for_an_mqtt311_publisher()
    {
        // Each message is 13 bytes: topic "t" with its length (3) and a 10-byte payload.
        using var broker = new TestBroker(new BrokerOptions { MaxQueuedBytes = 3 * 13 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);
        subscriber.LoseConnection();
        var publisher = await broker.ConnectAsync("pub");

        for (var i = 1; i <= 5; i++)
            await publisher.PublishAsync("t", $"message {i:D2}", AtLeastOnce);

        Assert.Equal(3, broker.SessionOf("sub").QueuedCount);
        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);
        reconnected.AssertReceived(
            new Publish("t", "message 03", AtLeastOnce, PacketId: 1),
            new Publish("t", "message 04", AtLeastOnce, PacketId: 2),
            new Publish("t", "message 05", AtLeastOnce, PacketId: 3));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.4.2-1")]
    public async Task Byte_bound_of_an_offline_queue_refuses_an_mqtt5_publisher_with_0x97()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxQueuedBytes = 2 * 13 });
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 });
        await first.SubscribeAsync("t", AtLeastOnce);
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");

        var accepted = new[]
        {
            await publisher.PublishAsync("t", "message 01", AtLeastOnce),
            await publisher.PublishAsync("t", "message 02", AtLeastOnce),
        };
        var refused = await publisher.PublishAsync("t", "message 03", AtLeastOnce);

        publisher.AssertReceived(
            new AckPacket(PacketType.PubAck, accepted[0]),
            new AckPacket(PacketType.PubAck, accepted[1]),
            new AckPacket(PacketType.PubAck, refused) { Reason = ReasonCode.QuotaExceeded });
        Assert.Equal(2, broker.SessionOf("sub").QueuedCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Expired_messages_are_purged_from_an_offline_queue_in_the_background()
    {
        using var broker = new TestBroker(new BrokerOptions { PurgeInterval = TimeSpan.FromSeconds(30) });
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 3600 });
        await first.SubscribeAsync("t", AtLeastOnce);
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "stale", AtLeastOnce, properties: new Properties { MessageExpiryInterval = 10 });
        await publisher.PublishAsync("t", "lasting", AtLeastOnce);
        Assert.Equal(2, broker.SessionOf("sub").QueuedCount);

        broker.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(1, broker.SessionOf("sub").QueuedCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Expired_retained_messages_are_purged_in_the_background()
    {
        using var broker = new TestBroker(new BrokerOptions { PurgeInterval = TimeSpan.FromSeconds(30) });
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("a", "stale", AtLeastOnce, retain: true, properties: new Properties { MessageExpiryInterval = 10 });
        await publisher.PublishAsync("b", "lasting", AtLeastOnce, retain: true);
        Assert.Equal(2, broker.Retained.Count);

        broker.Advance(TimeSpan.FromSeconds(30));

        Assert.Equal(1, broker.Retained.Count);
    }
}


using Herald.Broker.Tests.Harness;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary><see cref="BrokerOptions.MaxQueuedMessages"/>: what is dropped when a client's queue is full.</summary>
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
}

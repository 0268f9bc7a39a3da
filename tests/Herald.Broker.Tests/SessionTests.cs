using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>Persistent (clean session 0) and clean sessions across connections (sections 3.1.2.4 and 4.1).</summary>
public sealed class SessionTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    public async Task Subscriptions_of_a_persistent_session_survive_reconnect()
    {
        using var broker = new TestBroker();
        var first = await broker.ConnectSubscriberAsync("sub", "t/+", AtMostOnce, cleanSession: false);
        await first.DisconnectAsync();

        var second = await broker.ConnectAsync("sub", cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t/1", "hello");

        second.AssertReceived(new Publish("t/1", "hello"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-5")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Qos1_and_qos2_messages_published_while_offline_are_delivered_in_order_on_reconnect()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce, cleanSession: false);
        subscriber.LoseConnection();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", AtLeastOnce);
        await publisher.PublishAsync("t", "m2", ExactlyOnce);
        await publisher.PublishAsync("t", "m3", AtLeastOnce);

        var reconnected = broker.Open();
        var connAck = await reconnected.ConnectAsync("sub", cleanSession: false);

        Assert.Equal(new ConnAckPacket(SessionPresent: true, ConnectReturnCode.Accepted), connAck);
        reconnected.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1),
            new Publish("t", "m2", ExactlyOnce, PacketId: 2),
            new Publish("t", "m3", AtLeastOnce, PacketId: 3));
    }

    [Fact]
    public async Task Qos0_messages_are_not_queued_for_an_offline_session()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce, cleanSession: false);
        subscriber.LoseConnection();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "lost", AtMostOnce);
        await publisher.PublishAsync("t", "kept", AtLeastOnce);

        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);

        reconnected.AssertReceived(new Publish("t", "kept", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-6")]
    public async Task Clean_session_discards_the_stored_session_its_subscriptions_and_queued_messages()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);
        await subscriber.DisconnectAsync();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "queued while offline", AtLeastOnce);

        var clean = await broker.ConnectAsync("sub", cleanSession: true);
        await publisher.PublishAsync("t", "after clean connect", AtLeastOnce);

        clean.AssertReceivedNothing();
        Assert.Empty(broker.SessionOf("sub").Subscriptions);
        Assert.Equal(0, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-6")]
    public async Task Clean_session_ends_with_its_connection()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: true);

        await subscriber.DisconnectAsync();

        Assert.False(broker.HasSession("sub"));
        Assert.Equal(0, broker.Broker.Subscriptions.Count);
        var connAck = await broker.Open().ConnectAsync("sub", cleanSession: false);
        Assert.Equal(new ConnAckPacket(SessionPresent: false, ConnectReturnCode.Accepted), connAck);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    public async Task Persistent_session_outlives_a_lost_connection()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);

        subscriber.LoseConnection();

        var session = broker.SessionOf("sub");
        Assert.False(session.IsConnected);
        var subscription = Assert.Single(session.Subscriptions);
        Assert.Equal(("t", AtLeastOnce), (subscription.Filter, subscription.QoS));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Incoming_qos2_state_survives_reconnect_so_a_resent_publish_is_not_delivered_twice()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub", cleanSession: false);
        await publisher.PublishAsync("t", "once", ExactlyOnce, packetId: 7);
        publisher.AssertReceived(new AckPacket(PacketType.PubRec, 7));
        publisher.LoseConnection();

        var resumed = await broker.ConnectAsync("pub", cleanSession: false);
        await resumed.PublishAsync("t", "once", ExactlyOnce, packetId: 7, dup: true);
        await resumed.PubRelAsync(7);

        resumed.AssertReceived(new AckPacket(PacketType.PubRec, 7), new AckPacket(PacketType.PubComp, 7));
        subscriber.AssertReceived(new Publish("t", "once", ExactlyOnce, PacketId: 1));
    }
}

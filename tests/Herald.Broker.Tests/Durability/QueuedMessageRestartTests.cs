using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Durability;

/// <summary>Messages queued for an offline persistent session, across a restart of the server (section 4.1).</summary>
public sealed class QueuedMessageRestartTests
{
    /// <summary>Three persistent sessions, s1 to s3, subscribed to "t" and away, and one message on "t" stored for them.</summary>
    private static async Task AwaySubscribersGotOneMessageAsync(DurableTestBroker broker, QualityOfService qos)
    {
        foreach (var id in new[] { "s1", "s2", "s3" })
        {
            var subscriber = await broker.ConnectAsync(id, cleanSession: false);
            await broker.SubscribeAsync(subscriber, "t", qos);
            subscriber.LoseConnection();
        }
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "shared", qos);
        await broker.DurableAsync();
    }

    /// <summary>QoS 1, 0, 2, 1 to "t", from a clean-session publisher; returns once all is committed.</summary>
    private static async Task PublishMixedAsync(DurableTestBroker broker)
    {
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", AtLeastOnce);
        await publisher.PublishAsync("t", "lost", AtMostOnce);
        await publisher.PublishAsync("t", "m2", ExactlyOnce);
        await publisher.PublishAsync("t", "m3", AtLeastOnce);
        await broker.DurableAsync();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.1.2-5")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Queued_qos1_and_qos2_messages_of_a_clean_session_0_client_are_delivered_in_order_after_a_restart()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(subscriber, "t", ExactlyOnce);
        subscriber.LoseConnection();
        await PublishMixedAsync(broker);

        broker.Restart();
        var resumed = broker.Open();
        ConnAckPacket connAck;
        using (broker.PauseWriter()) // the store busy committing for other clients, as under load
            connAck = await resumed.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();

        Assert.Equal(new ConnAckPacket(SessionPresent: true, ConnectReturnCode.Accepted), connAck);
        resumed.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1),
            new Publish("t", "m2", ExactlyOnce, PacketId: 2),
            new Publish("t", "m3", AtLeastOnce, PacketId: 3));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Queued_qos1_and_qos2_messages_of_an_mqtt5_session_with_expiry_are_delivered_in_order_after_a_restart()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.Connect5Async("sub", sessionExpiry: 300);
        await broker.SubscribeAsync(subscriber, "t", ExactlyOnce);
        subscriber.LoseConnection();
        await PublishMixedAsync(broker);

        broker.Restart();
        var resumed = broker.Open();
        ConnAckPacket connAck;
        using (broker.PauseWriter()) // the store busy committing for other clients, as under load
            connAck = await resumed.Connect5Async("sub", new Properties { SessionExpiryInterval = 300 }, cleanStart: false);
        await broker.DurableAsync();

        Assert.True(connAck.SessionPresent);
        resumed.AssertReceivedMessages(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1),
            new Publish("t", "m2", ExactlyOnce, PacketId: 2),
            new Publish("t", "m3", AtLeastOnce, PacketId: 3));
    }

    [Fact]
    public async Task Qos0_messages_are_not_kept_for_an_offline_session_across_a_restart()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(subscriber, "t", AtMostOnce);
        subscriber.LoseConnection();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "q0", AtMostOnce);
        await publisher.PublishAsync("t", "q1 downgraded", AtLeastOnce);
        await broker.DurableAsync();

        broker.Kill();
        Assert.Equal(0, broker.Rows("deliveries"));
        Assert.Equal(0, broker.Rows("messages"));
        broker.Start();
        var resumed = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();

        resumed.AssertReceivedNothing();
        Assert.Single(broker.SessionOf("sub").Subscriptions); // the session itself did come back
    }

    [Fact]
    public async Task Message_fanned_out_to_several_persistent_sessions_is_stored_once()
    {
        using var broker = new DurableTestBroker();
        await AwaySubscribersGotOneMessageAsync(broker, AtLeastOnce);

        broker.Restart();
        broker.Kill();

        Assert.Equal(1, broker.Rows("messages"));
        Assert.Equal(3, broker.Rows("deliveries"));
    }

    [Fact]
    public async Task Stored_message_row_is_deleted_when_the_last_session_acknowledged_it()
    {
        using var broker = new DurableTestBroker();
        await AwaySubscribersGotOneMessageAsync(broker, ExactlyOnce);
        broker.Restart();

        // s1 acknowledges at QoS 2 before one restart, s2 after it; s3 is still to come.
        var s1 = await broker.ConnectAsync("s1", cleanSession: false);
        var s2 = await broker.ConnectAsync("s2", cleanSession: false);
        await broker.DurableAsync();
        s1.AssertReceived(new Publish("t", "shared", ExactlyOnce, PacketId: 1));
        s2.AssertReceived(new Publish("t", "shared", ExactlyOnce, PacketId: 1));
        await s1.PubRecAsync(1);
        await broker.DurableAsync();
        s1.AssertReceived(new AckPacket(PacketType.PubRel, 1));
        await s1.PubCompAsync(1);
        await s2.PubRecAsync(1);
        await broker.DurableAsync();

        broker.Kill();
        Assert.Equal(1, broker.Rows("messages"));
        Assert.Equal(2, broker.Rows("deliveries")); // s2 past PUBREC, s3 queued
        broker.Start();
        s2 = await broker.ConnectAsync("s2", cleanSession: false);
        await broker.DurableAsync(); // re-sent PUBREL waits for the store like the first one
        s2.AssertReceived(new AckPacket(PacketType.PubRel, 1));
        await s2.PubCompAsync(1);
        var s3 = await broker.ConnectAsync("s3", cleanSession: false);
        await broker.DurableAsync();
        s3.AssertReceived(new Publish("t", "shared", ExactlyOnce, PacketId: 1));
        await s3.PubRecAsync(1);
        await s3.PubCompAsync(1);
        await broker.DurableAsync();

        broker.Kill();
        Assert.Equal(0, broker.Rows("deliveries"));
        Assert.Equal(0, broker.Rows("messages"));
    }
}

using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Durability;

/// <summary>
/// QoS 1 and 2 flows caught half way by a restart (sections 4.3 and 4.4): outgoing messages are
/// re-sent as the client last saw them, and incoming QoS 2 packet ids still awaiting PUBREL are
/// remembered, so nothing is delivered twice.
/// </summary>
public sealed class InflightRestartTests
{
    /// <summary>
    /// A persistent subscriber to "t" that received m1 (id 1) and acknowledged it, then m2 (id 2):
    /// a fresh in-flight window would number m2 1, so keeping 2 shows the id came from the store.
    /// </summary>
    private static async Task<TestClient> SubscriberWithSecondMessageInFlightAsync(DurableTestBroker broker, QualityOfService qos)
    {
        var subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(subscriber, "t", qos);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", qos);
        await broker.DurableAsync();
        subscriber.AssertReceived(new Publish("t", "m1", qos, PacketId: 1));
        if (qos == AtLeastOnce)
        {
            await subscriber.PubAckAsync(1);
        }
        else
        {
            await subscriber.PubRecAsync(1);
            await broker.DurableAsync();
            subscriber.AssertReceived(new AckPacket(PacketType.PubRel, 1));
            await subscriber.PubCompAsync(1);
        }
        await publisher.PublishAsync("t", "m2", qos);
        await broker.DurableAsync();
        subscriber.AssertReceived(new Publish("t", "m2", qos, PacketId: 2));
        publisher.Received();
        return subscriber;
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-3.3.1-1")]
    public async Task Unacknowledged_qos1_message_is_resent_with_dup_and_its_packet_id_after_a_restart()
    {
        using var broker = new DurableTestBroker();
        await SubscriberWithSecondMessageInFlightAsync(broker, AtLeastOnce);

        broker.Restart();
        var resumed = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();

        resumed.AssertReceived(new Publish("t", "m2", AtLeastOnce, PacketId: 2, Dup: true));
        await resumed.PubAckAsync(2);
        await broker.DurableAsync();
        Assert.Equal(0, broker.SessionOf("sub").InflightCount);
        broker.Kill();
        Assert.Equal(0, broker.Rows("deliveries"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-3.3.1-1")]
    public async Task Qos2_publish_not_yet_received_is_resent_with_dup_and_its_packet_id_after_a_restart()
    {
        using var broker = new DurableTestBroker();
        await SubscriberWithSecondMessageInFlightAsync(broker, ExactlyOnce);

        broker.Restart();
        var resumed = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();

        resumed.AssertReceived(new Publish("t", "m2", ExactlyOnce, PacketId: 2, Dup: true));
        await resumed.PubRecAsync(2);
        await broker.DurableAsync();
        resumed.AssertReceived(new AckPacket(PacketType.PubRel, 2));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-4.3.3-1")]
    public async Task Qos2_message_past_pubrec_gets_pubrel_not_publish_after_a_restart()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await SubscriberWithSecondMessageInFlightAsync(broker, ExactlyOnce);
        await subscriber.PubRecAsync(2);
        await broker.DurableAsync();
        subscriber.AssertReceived(new AckPacket(PacketType.PubRel, 2));

        broker.Restart();
        var resumed = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();

        resumed.AssertReceived(new AckPacket(PacketType.PubRel, 2));
        await resumed.PubCompAsync(2);
        await broker.DurableAsync();
        Assert.Equal(0, broker.SessionOf("sub").InflightCount);
        broker.Restart();
        resumed = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();
        resumed.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-2.3.1-2")]
    public async Task Resent_packets_keep_their_order_after_a_restart_and_new_messages_take_free_packet_ids()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(subscriber, "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", AtLeastOnce);
        await publisher.PublishAsync("t", "m2", ExactlyOnce);
        await publisher.PublishAsync("t", "m3", ExactlyOnce);
        await broker.DurableAsync();
        Assert.Equal(3, subscriber.Received().Length);
        await subscriber.PubRecAsync(2);
        await broker.DurableAsync();
        subscriber.LoseConnection();
        await publisher.PublishAsync("t", "m4", AtLeastOnce);
        await broker.DurableAsync();

        broker.Restart();
        var resumed = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();

        resumed.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1, Dup: true),
            new AckPacket(PacketType.PubRel, 2),
            new Publish("t", "m3", ExactlyOnce, PacketId: 3, Dup: true),
            new Publish("t", "m4", AtLeastOnce, PacketId: 4));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    [Trait("Spec", "MQTT-4.3.3-11")]
    public async Task Incoming_qos2_packet_id_awaiting_pubrel_survives_a_restart_so_the_resent_publish_is_not_routed_again()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(subscriber, "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub", cleanSession: false);
        await publisher.PublishAsync("t", "once", ExactlyOnce, packetId: 7);
        await broker.DurableAsync();
        publisher.AssertReceived(new AckPacket(PacketType.PubRec, 7));
        subscriber.AssertReceived(new Publish("t", "once", AtLeastOnce, PacketId: 1));
        await subscriber.PubAckAsync(1);
        await broker.DurableAsync();

        broker.Restart();
        subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        publisher = await broker.ConnectAsync("pub", cleanSession: false);
        await publisher.PublishAsync("t", "once", ExactlyOnce, packetId: 7, dup: true);
        await broker.DurableAsync();
        publisher.AssertReceived(new AckPacket(PacketType.PubRec, 7));
        subscriber.AssertReceivedNothing();
        await publisher.PubRelAsync(7);
        await broker.DurableAsync();
        publisher.AssertReceived(new AckPacket(PacketType.PubComp, 7));

        // Released for good: after one more restart, id 7 starts a new message.
        broker.Restart();
        subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        publisher = await broker.ConnectAsync("pub", cleanSession: false);
        await publisher.PublishAsync("t", "next", ExactlyOnce, packetId: 7);
        await broker.DurableAsync();
        publisher.AssertReceived(new AckPacket(PacketType.PubRec, 7));
        subscriber.AssertReceived(new Publish("t", "next", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Incoming_qos2_packet_id_of_an_mqtt5_session_survives_a_restart()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.Connect5Async("sub", sessionExpiry: 300);
        await broker.SubscribeAsync(subscriber, "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub", sessionExpiry: 300);
        await publisher.PublishAsync("t", "once", ExactlyOnce, packetId: 3);
        await broker.DurableAsync();
        publisher.AssertReceived(new AckPacket(PacketType.PubRec, 3));
        subscriber.AssertReceivedMessages(new Publish("t", "once"));

        broker.Restart();
        subscriber = await broker.Connect5Async("sub", sessionExpiry: 300, cleanStart: false);
        publisher = await broker.Connect5Async("pub", sessionExpiry: 300, cleanStart: false);
        await publisher.PublishAsync("t", "once", ExactlyOnce, packetId: 3, dup: true);
        await publisher.PubRelAsync(3);
        await broker.DurableAsync();

        publisher.AssertReceived(new AckPacket(PacketType.PubRec, 3), new AckPacket(PacketType.PubComp, 3));
        subscriber.AssertReceivedNothing();
    }
}

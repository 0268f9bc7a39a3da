using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Durability;

/// <summary>
/// Acknowledgements wait for the store: a publisher hears PUBACK or PUBREC only once the message
/// it hands over is committed, so an acknowledged message survives a crash; and they keep the
/// order of the packets they answer.
/// </summary>
public sealed class AcknowledgementDurabilityTests
{
    private static async Task OfflinePersistentSubscriberAsync(DurableTestBroker broker, string clientId, string filter)
    {
        var subscriber = await broker.ConnectAsync(clientId, cleanSession: false);
        await broker.SubscribeAsync(subscriber, filter, ExactlyOnce);
        subscriber.LoseConnection();
    }

    [Theory]
    [Trait("Spec", "MQTT-4.3.2-2")]
    [Trait("Spec", "MQTT-4.3.3-2")]
    [InlineData(AtLeastOnce, PacketType.PubAck)]
    [InlineData(ExactlyOnce, PacketType.PubRec)]
    public async Task Acknowledgement_of_a_message_for_a_persistent_session_is_sent_only_once_it_is_committed(QualityOfService qos, PacketType acknowledgement)
    {
        using var broker = new DurableTestBroker();
        await OfflinePersistentSubscriberAsync(broker, "sub", "t");
        var publisher = await broker.ConnectAsync("pub");

        using (broker.PauseWriter())
        {
            await publisher.PublishAsync("t", "kept", qos, packetId: 5);
            publisher.AssertReceivedNothing();
        }
        await broker.DurableAsync();
        publisher.AssertReceived(new AckPacket(acknowledgement, 5));

        broker.Restart();
        var resumed = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();
        resumed.AssertReceived(new Publish("t", "kept", qos, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Pubrec_to_a_persistent_publisher_waits_for_its_packet_id_to_be_committed()
    {
        // Nobody subscribes, so no message is stored; the packet id awaiting PUBREL is, and the
        // PUBREC promises it: after a crash a re-sent PUBLISH must still be recognised.
        using var broker = new DurableTestBroker();
        var publisher = await broker.ConnectAsync("pub", cleanSession: false);

        using (broker.PauseWriter())
        {
            await publisher.PublishAsync("nobody/listens", "m", ExactlyOnce, packetId: 9);
            publisher.AssertReceivedNothing();
        }
        await broker.DurableAsync();
        publisher.AssertReceived(new AckPacket(PacketType.PubRec, 9));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.6.0-2")]
    [Trait("Spec", "MQTT-4.6.0-3")]
    public async Task Acknowledgements_keep_the_order_of_the_publishes_whether_or_not_their_message_was_stored()
    {
        using var broker = new DurableTestBroker();
        await OfflinePersistentSubscriberAsync(broker, "sub", "stored/#");
        var publisher = await broker.ConnectAsync("pub");

        using (broker.PauseWriter())
        {
            await publisher.PublishAsync("stored/1", "a", AtLeastOnce, packetId: 1);
            await publisher.PublishAsync("nobody/2", "b", AtLeastOnce, packetId: 2);
            await publisher.PublishAsync("stored/3", "c", ExactlyOnce, packetId: 3);
            await publisher.PublishAsync("nobody/4", "d", ExactlyOnce, packetId: 4);
            await publisher.PublishAsync("nobody/5", "e", AtLeastOnce, packetId: 5);
            // Not even the acknowledgements of messages nobody stored may overtake the held ones.
            publisher.AssertReceivedNothing();
        }
        await broker.DurableAsync();

        publisher.AssertReceived(
            new AckPacket(PacketType.PubAck, 1),
            new AckPacket(PacketType.PubAck, 2),
            new AckPacket(PacketType.PubRec, 3),
            new AckPacket(PacketType.PubRec, 4),
            new AckPacket(PacketType.PubAck, 5));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.6.0-2")]
    [Trait("Spec", "MQTT-4.6.0-4")]
    public async Task Mqtt5_acknowledgements_keep_their_order_and_reason_codes_when_some_messages_were_stored()
    {
        using var broker = new DurableTestBroker();
        await OfflinePersistentSubscriberAsync(broker, "sub", "stored/#");
        var publisher = await broker.Connect5Async("pub");

        using (broker.PauseWriter())
        {
            await publisher.PublishAsync("stored/1", "a", AtLeastOnce, packetId: 1);
            await publisher.PublishAsync("nobody/2", "b", AtLeastOnce, packetId: 2);
            await publisher.PublishAsync("stored/3", "c", ExactlyOnce, packetId: 3);
            await publisher.PublishAsync("nobody/4", "d", ExactlyOnce, packetId: 4);
            publisher.AssertReceivedNothing();
        }
        await broker.DurableAsync();

        publisher.AssertReceived(
            new AckPacket(PacketType.PubAck, 1),
            new AckPacket(PacketType.PubAck, 2) { Reason = ReasonCode.NoMatchingSubscribers },
            new AckPacket(PacketType.PubRec, 3),
            new AckPacket(PacketType.PubRec, 4) { Reason = ReasonCode.NoMatchingSubscribers });
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-1")]
    [Trait("Spec", "MQTT-3.10.4-4")]
    public async Task Suback_and_unsuback_of_a_persistent_session_are_sent_once_the_change_is_committed()
    {
        using var broker = new DurableTestBroker();
        var client = await broker.ConnectAsync("sub", cleanSession: false);

        using (broker.PauseWriter())
        {
            await client.SendAsync(Encode.Subscribe(1, [new TopicSubscription("t", AtLeastOnce)]));
            await client.SendAsync(Encode.Unsubscribe(2, ["t"]));
            client.AssertReceivedNothing();
        }
        await broker.DurableAsync();

        client.AssertReceived(new SubAck(1, (byte)AtLeastOnce), new UnsubAckPacket(2));
    }
}

using System.Buffers;
using System.Text.Unicode;
using Herald.Broker.Auth;
using Herald.Broker.Connections;
using Herald.Broker.Diagnostics;
using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>PUBLISH from a client: resolve its topic alias, check it, route it, acknowledge by its QoS (section 4.3).</summary>
internal static class PublishHandler
{
    public static void Handle(ClientConnection connection, byte header, in ReadOnlySequence<byte> body)
    {
        var version = connection.Version;
        var packet = PublishPacket.Read(header, body, version, connection.Topics);
        if (!connection.TryTakePublishToken())
        {
            connection.Close(DisconnectReason.PublishRateExceeded, ReasonCode.MessageRateTooHigh);
            return;
        }
        var broker = connection.Broker;
        var session = connection.Session!;
        broker.Metrics.PublishReceivedOne(packet.QoS);
        // Its QoS 2 id, deliveries and retained message reach the disk together or not at all:
        // an id stored without its messages would make the re-sent PUBLISH look delivered.
        using var atomic = new AtomicRecording(broker.Store);
        var topic = version == ProtocolVersion.V500 ? connection.ResolveTopic(packet) : packet.Topic;

        if (packet.QoS == QualityOfService.ExactlyOnce && !session.BeginIncomingQos2(packet.PacketId))
        {
            // [MQTT-4.3.3-2] a re-sent PUBLISH whose id awaits PUBREL is acknowledged, not delivered again.
            connection.SendInOrder(OutboundPacket.Ack(PacketType.PubRec, packet.PacketId), afterCommit: false);
            return;
        }
        if (packet.QoS == QualityOfService.ExactlyOnce && session.IncomingQos2Count > broker.Options.ReceiveMaximum && version == ProtocolVersion.V500)
            throw PacketException.Protocol(ReasonCode.ReceiveMaximumExceeded, $"more than {broker.Options.ReceiveMaximum} QoS 2 messages awaiting PUBREL"); // [MQTT-3.3.4-9]

        var reason = ReasonCode.Success;
        var stored = false; // the message went to the durable store: acknowledge once it is durable
        if (packet.Properties?.PayloadFormatIndicator == 1 && !IsUtf8(packet.Payload))
        {
            // A declared UTF-8 payload that is not UTF-8 is refused, not routed (section 3.3.2.3.2).
            if (packet.QoS == QualityOfService.AtMostOnce)
                throw PacketException.Protocol(ReasonCode.PayloadFormatInvalid, "payload declared UTF-8 is not UTF-8");
            reason = ReasonCode.PayloadFormatInvalid;
        }
        else if (topic.StartsWith(SysTopics.Prefix, StringComparison.Ordinal)
            || !connection.Allows(AclCheck.Publish, topic))
        {
            // $SYS is the server's to write, whatever the ACL says, as in Mosquitto.
            // Not routed. MQTT 5 says why in PUBACK/PUBREC; a 3.1.1 client is acknowledged as
            // usual, having no way to hear it, as Mosquitto does.
            reason = ReasonCode.NotAuthorized;
        }
        else
        {
            var message = Message.FromPublish(packet, topic, connection.ClientId, broker.Time.GetTimestamp());
            var outcome = broker.Publish(message, refuseWhenFull: version == ProtocolVersion.V500);
            // Stored, or forwarded to another node in the store's stream: acknowledged once durable.
            stored = message.StoreId != 0 || outcome.Forwarded > 0;
            if (outcome.QuotaExceeded)
                reason = ReasonCode.QuotaExceeded;
            else if (outcome.Deliveries == 0 && !message.Retain)
                reason = ReasonCode.NoMatchingSubscribers;
        }

        switch (packet.QoS)
        {
            case QualityOfService.AtLeastOnce:
                connection.SendInOrder(Acknowledgement(connection, PacketType.PubAck, packet.PacketId, reason), stored); // [MQTT-4.3.2-2]
                break;
            case QualityOfService.ExactlyOnce:
                // An error reason ends the QoS 2 flow at PUBREC: the id is free again.
                if (reason >= ReasonCode.UnspecifiedError)
                    session.EndIncomingQos2(packet.PacketId);
                connection.SendInOrder(Acknowledgement(connection, PacketType.PubRec, packet.PacketId, reason), stored || session.IsPersistent);
                break;
        }
    }

    private static OutboundPacket Acknowledgement(ClientConnection connection, PacketType type, ushort packetId, ReasonCode reason) =>
        connection.Version == ProtocolVersion.V500 ? OutboundPacket.Ack(type, packetId, reason) : OutboundPacket.Ack(type, packetId);

    private static bool IsUtf8(in ReadOnlySequence<byte> payload) =>
        payload.IsSingleSegment ? Utf8.IsValid(payload.FirstSpan) : Utf8.IsValid(payload.ToArray());
}

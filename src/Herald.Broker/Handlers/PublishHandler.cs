using System.Buffers;
using Herald.Broker.Connections;
using Herald.Broker.Messages;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>PUBLISH from a client: route it, then acknowledge by its QoS (section 4.3).</summary>
internal static class PublishHandler
{
    public static void Handle(ClientConnection connection, byte header, in ReadOnlySequence<byte> body)
    {
        var packet = PublishPacket.Read(header, body);
        var broker = connection.Broker;
        broker.Metrics.MessageReceived();
        switch (packet.QoS)
        {
            case QualityOfService.AtMostOnce:
                broker.Publish(Message.FromPublish(packet));
                break;
            case QualityOfService.AtLeastOnce:
                broker.Publish(Message.FromPublish(packet));
                connection.TrySend(OutboundPacket.Ack(PacketType.PubAck, packet.PacketId)); // [MQTT-4.3.2-2]
                break;
            default:
                // [MQTT-4.3.3-2] a re-sent PUBLISH whose id awaits PUBREL is acknowledged, not delivered again.
                if (connection.Session!.BeginIncomingQos2(packet.PacketId))
                    broker.Publish(Message.FromPublish(packet));
                connection.TrySend(OutboundPacket.Ack(PacketType.PubRec, packet.PacketId));
                break;
        }
    }
}

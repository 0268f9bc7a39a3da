using Herald.Broker.Connections;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>PUBACK, PUBREC and PUBCOMP for messages the broker sent; PUBREL for QoS 2 messages it received.</summary>
internal static class AckHandler
{
    public static void Handle(ClientConnection connection, AckPacket ack)
    {
        var session = connection.Session!;
        switch (ack.Type)
        {
            case PacketType.PubAck:
                session.OnPubAck(ack.PacketId);
                break;
            case PacketType.PubRec:
                session.OnPubRec(ack.PacketId);
                break;
            case PacketType.PubComp:
                session.OnPubComp(ack.PacketId);
                break;
            default:
                session.EndIncomingQos2(ack.PacketId);
                connection.TrySend(OutboundPacket.Ack(PacketType.PubComp, ack.PacketId)); // [MQTT-4.3.3-2]
                break;
        }
    }
}

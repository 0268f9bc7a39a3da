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
                session.OnPubRec(ack.PacketId, ack.Reason);
                break;
            case PacketType.PubComp:
                session.OnPubComp(ack.PacketId);
                break;
            default:
                // [MQTT-4.3.3-11] PUBREL is answered with PUBCOMP; MQTT 5 says when the id was unknown.
                var known = session.EndIncomingQos2(ack.PacketId);
                // After a crash a stored id would make the next PUBLISH reusing it look like a re-send: PUBCOMP once it is gone.
                connection.SendInOrder(known || connection.Version != ProtocolVersion.V500
                    ? OutboundPacket.Ack(PacketType.PubComp, ack.PacketId)
                    : OutboundPacket.Ack(PacketType.PubComp, ack.PacketId, ReasonCode.PacketIdentifierNotFound), afterCommit: known && session.IsPersistent);
                break;
        }
    }
}

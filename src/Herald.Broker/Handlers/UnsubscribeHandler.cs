using Herald.Broker.Connections;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>UNSUBSCRIBE: remove each subscription; UNSUBACK even when none existed [MQTT-3.10.4-5].</summary>
internal static class UnsubscribeHandler
{
    public static void Handle(ClientConnection connection, UnsubscribePacket packet)
    {
        var session = connection.Session!;
        foreach (var filter in packet.Filters)
        {
            session.RemoveSubscription(filter);
            connection.Broker.Subscriptions.Unsubscribe(filter, session);
        }
        connection.TrySend(OutboundPacket.Ack(PacketType.UnsubAck, packet.PacketId)); // [MQTT-3.10.4-4]
    }
}

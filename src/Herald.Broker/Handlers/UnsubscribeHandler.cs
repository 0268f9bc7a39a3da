using Herald.Broker.Connections;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>UNSUBSCRIBE: remove each subscription; UNSUBACK even when none existed [MQTT-3.10.4-5], with a reason per filter in MQTT 5.</summary>
internal static class UnsubscribeHandler
{
    public static void Handle(ClientConnection connection, UnsubscribePacket packet)
    {
        var session = connection.Session!;
        var codes = new byte[packet.Filters.Count];
        for (var i = 0; i < codes.Length; i++)
        {
            if (session.RemoveSubscription(packet.Filters[i]) is { } removed)
                connection.Broker.Subscriptions.Unsubscribe(session, removed);
            else
                codes[i] = (byte)ReasonCode.NoSubscriptionExisted;
        }
        // In a cluster UNSUBACK waits for the routes it removed to be announced, as SUBACK does for those it adds.
        var announced = connection.Broker.Cluster is { IsReachable: true };
        connection.SendInOrder(OutboundPacket.UnsubAck(packet.PacketId, codes), afterCommit: session.IsPersistent || announced); // [MQTT-3.10.4-4]
    }
}

using Herald.Broker.Connections;
using Herald.Broker.Messages;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>SUBSCRIBE: add or replace each subscription, answer SUBACK, send matching retained messages.</summary>
internal static class SubscribeHandler
{
    public static void Handle(ClientConnection connection, SubscribePacket packet)
    {
        var broker = connection.Broker;
        var session = connection.Session!;
        var returnCodes = new byte[packet.Subscriptions.Count];
        for (var i = 0; i < returnCodes.Length; i++)
        {
            var (filter, qos) = packet.Subscriptions[i];
            // [MQTT-3.8.4-3] a subscription with an existing filter replaces it.
            session.SetSubscription(filter, qos);
            broker.Subscriptions.Subscribe(filter, session, qos);
            returnCodes[i] = (byte)qos;
        }
        if (connection.IsClosed && !session.IsPersistent)
        {
            // The connection closed while we subscribed and its clean session may already be
            // gone; undo so the tree keeps no subscription of a dead session.
            lock (broker.SessionsGate)
                broker.EndSession(session);
            return;
        }
        connection.TrySend(OutboundPacket.SubAck(packet.PacketId, returnCodes)); // [MQTT-3.8.4-1] [MQTT-3.8.4-5]

        var retained = new List<Message>();
        foreach (var (filter, qos) in packet.Subscriptions)
        {
            retained.Clear();
            broker.Retained.Match(filter, retained);
            foreach (var message in retained)
                session.Deliver(message, qos, retain: true); // [MQTT-3.3.1-6] [MQTT-3.3.1-8]
        }
    }
}

using Herald.Broker.Auth;
using Herald.Broker.Connections;
using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>SUBSCRIBE: add or replace each subscription, answer SUBACK, send matching retained messages.</summary>
internal static class SubscribeHandler
{
    public static void Handle(ClientConnection connection, SubscribePacket packet)
    {
        var broker = connection.Broker;
        var session = connection.Session!;
        var v5 = connection.Version == ProtocolVersion.V500;
        var subscriptionId = packet.Properties?.SubscriptionIdentifiers?[0];
        var codes = new byte[packet.Subscriptions.Count];
        var retainedFor = new List<Subscription>();
        for (var i = 0; i < codes.Length; i++)
        {
            var request = packet.Subscriptions[i];
            if (TopicRules.IsShared(request.Filter) && !TopicRules.TrySplitShared(request.Filter, out _, out _))
            {
                codes[i] = v5 ? (byte)ReasonCode.TopicFilterInvalid : SubAckPacket.Failure; // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
                continue;
            }
            var topicFilter = TopicRules.TrySplitShared(request.Filter, out _, out var sharedFilter) ? sharedFilter : request.Filter;
            if (!connection.Acl.Allows(broker.Acl, AclCheck.Subscribe, topicFilter, connection.ClientId, connection.Username))
            {
                codes[i] = v5 ? (byte)ReasonCode.NotAuthorized : SubAckPacket.Failure;
                continue;
            }
            var subscription = new Subscription(request, subscriptionId);
            // [MQTT-3.8.4-3] a subscription with an existing filter replaces it.
            var previous = session.SetSubscription(subscription);
            broker.Subscriptions.Subscribe(session, subscription);
            if (session.IsEnded)
            {
                // The session ended while this ran (a takeover by a clean session): leave no subscription of it behind.
                broker.Subscriptions.Unsubscribe(session, subscription);
                return;
            }
            codes[i] = (byte)request.QoS;
            // Retain Handling 0 sends retained messages, 1 only for a new subscription, 2 never [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11];
            // a shared subscription gets none (section 4.8.2).
            if (subscription.ShareName is null && (request.RetainHandling == 0 || (request.RetainHandling == 1 && previous is null)))
                retainedFor.Add(subscription);
        }
        if (connection.IsClosed && !session.IsPersistent)
        {
            // The connection closed while we subscribed and its session may already be gone;
            // undo so the tree keeps no subscription of a dead session.
            lock (broker.SessionsGate)
                broker.EndSession(session);
            return;
        }
        connection.SendInOrder(OutboundPacket.SubAck(packet.PacketId, codes), afterCommit: session.IsPersistent); // [MQTT-3.8.4-1] [MQTT-3.8.4-5]

        var retained = new List<Message>();
        foreach (var subscription in retainedFor)
        {
            retained.Clear();
            broker.Retained.Match(subscription.TopicFilter, retained);
            foreach (var message in retained)
                session.Deliver(message, subscription.QoS, retain: true, subscription.SubscriptionIds); // [MQTT-3.3.1-8]
        }
    }
}

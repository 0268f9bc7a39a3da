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
        var subscriptionId = packet.Properties?.SubscriptionIdentifiers?[0];
        var codes = new byte[packet.Subscriptions.Count];
        var retainedFor = new List<Subscription>();
        for (var i = 0; i < codes.Length; i++)
        {
            if (Add(connection, packet.Subscriptions[i], subscriptionId, retainedFor) is not { } code)
                return; // the session ended meanwhile
            codes[i] = code;
        }
        if (connection.IsClosed && !session.IsPersistent)
        {
            // The connection closed while we subscribed and its session may already be gone;
            // undo so the tree keeps no subscription of a dead session.
            lock (broker.SessionsGate)
                broker.EndSession(session);
            return;
        }
        // In a cluster SUBACK also waits for the new routes to be in Redis and announced, so a
        // message published on another node right after it reaches this subscriber; not while
        // Redis is away, when this node serves its own clients alone.
        var announced = broker.Cluster is { IsReachable: true };
        connection.SendInOrder(OutboundPacket.SubAck(packet.PacketId, codes), afterCommit: session.IsPersistent || announced); // [MQTT-3.8.4-1] [MQTT-3.8.4-5]
        SendRetained(connection, retainedFor);
    }

    /// <summary>
    /// Adds or replaces one subscription of the connection's session, if the filter and the ACL
    /// allow it; returns its SUBACK code, or null when the session ended meanwhile. A subscription
    /// that is to get the retained messages now is added to <paramref name="retainedFor"/>.
    /// </summary>
    internal static byte? Add(ClientConnection connection, TopicSubscription request, int? subscriptionId, List<Subscription> retainedFor)
    {
        var broker = connection.Broker;
        var session = connection.Session!;
        var v5 = connection.Version == ProtocolVersion.V500;
        if (TopicRules.IsShared(request.Filter) && !TopicRules.TrySplitShared(request.Filter, out _, out _))
            return v5 ? (byte)ReasonCode.TopicFilterInvalid : SubAckPacket.Failure; // [MQTT-4.8.2-1] [MQTT-4.8.2-2]
        var topicFilter = TopicRules.TrySplitShared(request.Filter, out _, out var sharedFilter) ? sharedFilter : request.Filter;
        if (!connection.Allows(AclCheck.Subscribe, topicFilter))
            return v5 ? (byte)ReasonCode.NotAuthorized : SubAckPacket.Failure;
        var subscription = new Subscription(request, subscriptionId);
        // [MQTT-3.8.4-3] a subscription with an existing filter replaces it.
        var previous = session.SetSubscription(subscription);
        broker.Subscriptions.Subscribe(session, subscription);
        if (session.IsEnded)
        {
            // The session ended while this ran (a takeover by a clean session): leave no subscription of it behind.
            broker.Subscriptions.Unsubscribe(session, subscription);
            return null;
        }
        // Retain Handling 0 sends retained messages, 1 only for a new subscription, 2 never [MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11];
        // a shared subscription gets none (section 4.8.2).
        if (subscription.ShareName is null && (request.RetainHandling == 0 || (request.RetainHandling == 1 && previous is null)))
            retainedFor.Add(subscription);
        return (byte)request.QoS;
    }

    /// <summary>The retained messages matching each subscription [MQTT-3.3.1-8].</summary>
    internal static void SendRetained(ClientConnection connection, List<Subscription> retainedFor)
    {
        var retained = new List<Message>();
        foreach (var subscription in retainedFor)
        {
            retained.Clear();
            connection.Broker.Retained.Match(subscription.TopicFilter, retained);
            foreach (var message in retained)
                connection.Session!.Deliver(message, subscription.QoS, retain: true, subscription.SubscriptionIds);
        }
    }
}

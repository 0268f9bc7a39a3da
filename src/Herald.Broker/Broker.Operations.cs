using Herald.Broker.Connections;
using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Sessions;
using Herald.Protocol;

namespace Herald.Broker;

/// <summary>
/// What an operator or a backend does to the engine from outside MQTT (the HTTP API): list and
/// kick clients, push to chosen sessions, clear retained messages, read queue depths.
/// </summary>
public sealed partial class Broker
{
    /// <summary>The connected clients (their CONNECT accepted), in no particular order.</summary>
    public IEnumerable<ClientConnection> Clients
    {
        get
        {
            foreach (var connection in _connections.Keys)
            {
                if (connection.Session is not null && !connection.IsClosed)
                    yield return connection;
            }
        }
    }

    /// <summary>
    /// Disconnects the client connected with <paramref name="clientId"/>, an MQTT 5 client with
    /// DISCONNECT 0x98 Administrative action; its will is published and a persistent session stays.
    /// </summary>
    /// <returns>False when no client is connected with that id.</returns>
    public bool Kick(string clientId)
    {
        if (!Sessions.TryGet(clientId, out var session) || session.Connection is not { } connection)
            return false;
        connection.Close(DisconnectReason.Kicked);
        return true;
    }

    /// <summary>
    /// Delivers a message straight to the given sessions, whether or not they subscribed to its
    /// topic: a push to a user or a device. A session with a subscription matching the topic gets
    /// it as that subscription asks (QoS, subscription identifiers); any other at the message's QoS.
    /// A QoS 0 message reaches only connected clients; a QoS 1/2 message waits in a session whose
    /// client is away.
    /// </summary>
    /// <param name="received">False for a push another node of the cluster received and counted.</param>
    public PublishOutcome Push(Message message, IReadOnlyCollection<Session> sessions, bool received = true)
    {
        if (received)
        {
            Metrics.PublishReceivedOne(message.QoS);
            RecordTopic(message);
        }
        int sent = 0, queued = 0;
        using var atomic = new AtomicRecording(Store);
        foreach (var session in sessions)
        {
            var subscription = session.Subscriptions.FirstOrDefault(s => s.ShareName is null && TopicRules.Matches(s.TopicFilter, message.Topic));
            var result = subscription is null
                ? session.Deliver(message, message.QoS, retain: false)
                : session.Deliver(message, subscription.QoS, retain: false, subscription.SubscriptionId is { } id ? [id] : null);
            if (result == DeliveryResult.Sent)
                sent++;
            else if (result == DeliveryResult.Queued)
                queued++;
        }
        return new PublishOutcome(sessions.Count, sent, queued, QuotaExceeded: false);
    }

    /// <summary>The message retained on <paramref name="topic"/> (a topic name, no wildcards), if any.</summary>
    public Message? RetainedOn(string topic)
    {
        var found = new List<Message>(1);
        Retained.Match(topic, found);
        return found.Count > 0 ? found[0] : null;
    }

    /// <summary>Removes the retained message of <paramref name="topic"/> from memory and the store, without publishing anything.</summary>
    /// <returns>False when the topic holds no retained message.</returns>
    public bool ClearRetained(string topic)
    {
        lock (_retainedGate)
        {
            if (RetainedOn(topic) is null)
                return false;
            var empty = Message.Create(topic, [], QualityOfService.AtMostOnce, retain: true, timestamp: Time.GetTimestamp());
            Retained.Set(empty);
            Cluster?.ShareRetained(empty);
            if (Store is { } store)
            {
                AssignStoreId(empty);
                store.SetRetained(empty);
            }
            return true;
        }
    }

    /// <summary>QoS 1/2 messages waiting in every session's queue, and sent but not yet acknowledged.</summary>
    public (long Queued, long Inflight) QueueDepths()
    {
        long queued = 0, inflight = 0;
        foreach (var session in Sessions.All)
        {
            queued += session.QueuedCount;
            inflight += session.InflightCount;
        }
        return (queued, inflight);
    }
}

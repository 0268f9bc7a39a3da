using System.Globalization;
using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol.Packets;
using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// The durable store of a cluster node: persistent sessions and retained messages in Redis,
/// where any node can load a session whose client reconnects there or whose node died. Each call
/// becomes a <see cref="WriteOp"/> on the node's one <see cref="RedisWriter"/>, so the session
/// records, the messages forwarded to other nodes and the acknowledgements held for both keep
/// one order. Keys: <see cref="ClusterKeys.Session"/> and <see cref="ClusterKeys.Retained"/>.
/// </summary>
/// <param name="firstMessageId">Where this node's message ids start (<see cref="StoredState.LastMessageId"/>): a prefix of its own, so ids are unique in the cluster.</param>
internal sealed class RedisSessionStore(RedisWriter writer, IConnectionMultiplexer redis, string node, TimeProvider time, long firstMessageId = 0) : IDurableStore
{
    public bool IsWriting => writer.IsWriting;

    /// <summary>The retained messages and the sessions this node owns (its own, from before a restart, that no node adopted).</summary>
    public StoredState Load()
    {
        var db = redis.GetDatabase();
        var retained = new List<Message>();
        foreach (var entry in db.HashGetAll(ClusterKeys.Retained))
            retained.Add(ReadRetained(entry.Value));
        var sessions = new List<StoredSession>();
        foreach (var clientId in db.SetMembers(ClusterKeys.Sessions(node)))
        {
            if (LoadSession(db, clientId!) is { } session)
                sessions.Add(session);
        }
        return new StoredState(sessions, retained, firstMessageId);
    }

    public Message ReadRetained(RedisValue value)
    {
        var reader = new RecordReader((byte[])value!);
        return Records.ReadMessage(ref reader, time);
    }

    /// <summary>The persistent session of <paramref name="clientId"/> if this node owns it; null for none or a clean one.</summary>
    public StoredSession? LoadSession(IDatabase db, string clientId)
    {
        var fields = db.HashGetAll(ClusterKeys.Session(clientId));
        return Parse(clientId, fields, node, time);
    }

    public static StoredSession? Parse(string clientId, HashEntry[] fields, string owner, TimeProvider time)
    {
        var values = fields.ToDictionary(f => (string)f.Name!, f => f.Value, StringComparer.Ordinal);
        if (!values.TryGetValue("owner", out var o) || (string?)o != owner || !values.TryGetValue("x", out var expiry))
            return null;
        var subscriptions = new List<(TopicSubscription, int?)>();
        var deliveries = new List<StoredDelivery>();
        var incoming = new List<ushort>();
        foreach (var (name, value) in values)
        {
            if (name.StartsWith("s:", StringComparison.Ordinal))
                subscriptions.Add(Records.ReadSubscription(name[2..], (byte[])value!));
            else if (name.StartsWith("d:", StringComparison.Ordinal))
            {
                var sequence = long.Parse(name.AsSpan(2), CultureInfo.InvariantCulture);
                var (packetId, state) = values.TryGetValue($"p:{sequence}", out var p) ? Records.ReadDeliveryState((byte[])p!) : ((ushort)0, default(InflightState));
                deliveries.Add(Records.ReadDelivery(sequence, (byte[])value!, packetId, state, time));
            }
            else if (name.StartsWith("q:", StringComparison.Ordinal))
                incoming.Add(ushort.Parse(name.AsSpan(2), CultureInfo.InvariantCulture));
        }
        deliveries.Sort((a, b) => a.Sequence.CompareTo(b.Sequence));
        DateTimeOffset? away = values.TryGetValue("a", out var a) ? DateTimeOffset.FromUnixTimeMilliseconds((long)a) : null;
        var will = values.TryGetValue("w", out var w) ? Records.ReadWill((byte[])w!) : null;
        return new StoredSession(clientId, (uint)(long)expiry, values.TryGetValue("u", out var u) ? (string?)u : null, away, subscriptions, deliveries, incoming, will)
        {
            RecentMessageIds = values.TryGetValue(RedisCluster.RecentIdsField, out var r) ? Records.ReadIds((byte[])r!) : null,
        };
    }

    public void SaveSession(string clientId, uint expiryInterval, string? username)
    {
        writer.Enqueue(new WriteOp(WriteKind.SessionSet, clientId, "x", (long)expiryInterval));
        writer.Enqueue(username is null ? new WriteOp(WriteKind.SessionDelete, clientId, "u") : new WriteOp(WriteKind.SessionSet, clientId, "u", username));
    }

    public void SaveDisconnected(string clientId, DateTimeOffset? at) =>
        writer.Enqueue(at is { } when ? new WriteOp(WriteKind.SessionSet, clientId, "a", when.ToUnixTimeMilliseconds()) : new WriteOp(WriteKind.SessionDelete, clientId, "a"));

    public void DeleteSession(string clientId) => writer.Enqueue(new WriteOp(WriteKind.SessionClear, clientId));

    public void SaveSubscription(string clientId, Subscription subscription) =>
        writer.Enqueue(new WriteOp(WriteKind.SessionSet, clientId, $"s:{subscription.Filter}", Records.Subscription(subscription.Request, subscription.SubscriptionId)));

    public void DeleteSubscription(string clientId, string filter) => writer.Enqueue(new WriteOp(WriteKind.SessionDelete, clientId, $"s:{filter}"));

    public void AddDelivery(string clientId, in QueuedMessage delivery, ushort packetId, InflightState state)
    {
        writer.Enqueue(new WriteOp(WriteKind.SessionSet, clientId, $"d:{delivery.Sequence}", Records.Delivery(delivery, time)));
        if (packetId != 0)
            SaveDeliveryState(clientId, delivery.Sequence, packetId, state);
    }

    public void SaveDeliveryState(string clientId, long sequence, ushort packetId, InflightState state) =>
        writer.Enqueue(new WriteOp(WriteKind.SessionSet, clientId, $"p:{sequence}", Records.DeliveryState(packetId, state)));

    public void RemoveDelivery(string clientId, long sequence, Message message)
    {
        writer.Enqueue(new WriteOp(WriteKind.SessionDelete, clientId, $"d:{sequence}"));
        writer.Enqueue(new WriteOp(WriteKind.SessionDelete, clientId, $"p:{sequence}"));
    }

    public void AddIncomingQos2(string clientId, ushort packetId) => writer.Enqueue(new WriteOp(WriteKind.Qos2Set, clientId, $"q:{packetId}"));

    public void RemoveIncomingQos2(string clientId, ushort packetId) => writer.Enqueue(new WriteOp(WriteKind.Qos2Delete, clientId, $"q:{packetId}"));

    public void SetRetained(Message message)
    {
        if (message.Payload.IsEmpty)
        {
            writer.Enqueue(new WriteOp(WriteKind.Retained, message.Topic, 0, RedisValue.Null));
            return;
        }
        var record = new RecordWriter();
        Records.WriteMessage(record, message, time);
        writer.Enqueue(new WriteOp(WriteKind.Retained, message.Topic, ExpiresAt(message) ?? 0, record.ToArray()));
    }

    /// <summary>Clears the topic only if Redis still holds this message there: another node may have set a newer one.</summary>
    public void RemoveRetained(Message message)
    {
        if (ExpiresAt(message) is { } expired)
            writer.Enqueue(new WriteOp(WriteKind.RetainedExpired, message.Topic, expired));
    }

    /// <summary>When the message expires, Unix ms; null when it does not.</summary>
    private long? ExpiresAt(Message message) => message.ExpiryInterval is { } seconds
        ? (time.GetUtcNow() - time.GetElapsedTime(message.Timestamp)).AddSeconds(seconds).ToUnixTimeMilliseconds()
        : null;

    public void SaveWill(string clientId, ConnectWill? will, DateTimeOffset dueAt) =>
        writer.Enqueue(will is null ? new WriteOp(WriteKind.SessionDelete, clientId, "w") : new WriteOp(WriteKind.SessionSet, clientId, "w", Records.Will(will, dueAt)));

    public void WhenDurable(Action<object?> callback, object? state) => writer.WhenDurable(callback, state);

    public void BeginAtomic() => writer.BeginAtomic();

    public void EndAtomic() => writer.EndAtomic();
}

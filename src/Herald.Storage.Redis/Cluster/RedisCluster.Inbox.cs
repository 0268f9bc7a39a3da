using System.Collections.Concurrent;
using Herald.Broker.Persistence;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// The node's inbox: a Redis stream read through a consumer group, so an entry read but not yet
/// acknowledged is read again after a crash (by this node when it starts again, or by the node
/// that adopts it). A batch's messages are delivered to local sessions in one atomic recording and
/// the entry acknowledged (XACK, XDEL) only once what they queued is durable. The other nodes
/// wake the reader through a channel; it also looks every second.
/// </summary>
public sealed partial class RedisCluster
{
    private const string Group = "herald";
    private const int ReadCount = 256;

    private readonly SemaphoreSlim _inboxWake = new(0, 1);
    private int _inboxWakeRequested;
    private Task? _inboxLoop;

    /// <summary>Sessions this node adopted from a dead node: entries still addressed to it go to these only.</summary>
    private readonly ConcurrentDictionary<string, HashSet<Session>> _adoptedFrom = new(StringComparer.Ordinal);

    /// <summary>Hand-over requests of this node's claims, by client id, completed by the owner's "released".</summary>
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _releases = new(StringComparer.Ordinal);

    private void WakeInbox()
    {
        if (Interlocked.Exchange(ref _inboxWakeRequested, 1) == 0)
            _inboxWake.Release();
    }

    private async Task ReadInboxAsync()
    {
        var db = _redis.GetDatabase();
        var pending = true; // first what was read before a restart and never acknowledged
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await EnsureGroupAsync(db, ClusterKeys.Inbox(NodeId)).ConfigureAwait(false);
                while (!_stopping.IsCancellationRequested)
                {
                    var entries = await db.StreamReadGroupAsync(ClusterKeys.Inbox(NodeId), Group, NodeId, pending ? "0" : StreamPosition.NewMessages, ReadCount).ConfigureAwait(false);
                    if (entries.Length == 0)
                    {
                        if (!pending)
                            break;
                        pending = false;
                        continue;
                    }
                    Process(ClusterKeys.Inbox(NodeId), entries);
                    if (pending || entries.Length < ReadCount)
                    {
                        pending = false;
                        if (entries.Length < ReadCount)
                            break;
                    }
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                InboxFailed(_log, e.Message);
                pending = true;
            }
            try
            {
                await _inboxWake.WaitAsync(TimeSpan.FromSeconds(1), _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            Volatile.Write(ref _inboxWakeRequested, 0);
        }
    }

    private static async Task EnsureGroupAsync(IDatabase db, RedisKey stream)
    {
        try
        {
            await db.StreamCreateConsumerGroupAsync(stream, Group, "0-0", createStream: true).ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Handles entries read from <paramref name="stream"/> (this node's inbox, or a dead node's being drained).</summary>
    private void Process(RedisKey stream, StreamEntry[] entries)
    {
        var broker = _broker!;
        var done = new List<RedisValue>(entries.Length);
        using (new AtomicRecording(Store))
        {
            foreach (var entry in entries)
            {
                done.Add(entry.Id);
                var control = entry["c"];
                if (!control.IsNull)
                {
                    OnControl(control.ToString(), entry["id"].ToString(), entry["from"].ToString());
                    continue;
                }
                var relay = entry["relay"];
                if (!relay.IsNull)
                {
                    OnRelay(broker, relay.ToString(), (byte[])entry["m"]!);
                    continue;
                }
                var push = entry["push"];
                if (!push.IsNull)
                {
                    OnPush(broker, push.ToString(), (byte[])entry["m"]!);
                    continue;
                }
                var batch = entry["b"];
                if (batch.IsNull)
                    continue;
                var addressedTo = entry["to"];
                IReadOnlySet<Session>? only = null;
                if (!addressedTo.IsNull && addressedTo.ToString() != NodeId)
                    only = _adoptedFrom.TryGetValue(addressedTo.ToString(), out var adopted) ? adopted : [];
                try
                {
                    Deliver(broker, (byte[])batch!, only);
                }
                catch (FormatException e)
                {
                    BadEntry(_log, entry.Id.ToString(), e.Message);
                }
                // Its retained messages are in this node's store now: the sender may acknowledge them.
                if (entry["applied"] is { IsNull: false } sequence && entry["from"] is { IsNull: false } from)
                    Applied(from.ToString(), sequence.ToString());
            }
        }
        Store.WhenDurable(static state =>
        {
            var (cluster, key, ids) = ((RedisCluster, RedisKey, RedisValue[]))state!;
            _ = cluster.AcknowledgeAsync(key, ids);
        }, (this, stream, done.ToArray()));
    }

    /// <summary>A delivery the node a session left relays to it here; the session takes it once (its handover window).</summary>
    private void OnRelay(Broker.Broker broker, string clientId, byte[] record)
    {
        var delivery = Records.ReadDelivery(0, record, 0, default, _time);
        lock (_relayGate)
        {
            if (_claiming.TryGetValue(clientId, out var claiming) && claiming.Waiting is { } waiting)
                waiting.Add(delivery);
            else
                broker.DeliverRelayed(clientId, delivery.Message, delivery.QoS, delivery.Retain, delivery.SubscriptionIds);
        }
    }

    private void OnPush(Broker.Broker broker, string target, byte[] record)
    {
        var reader = new RecordReader(record);
        var message = Records.ReadMessage(ref reader, _time);
        var separator = target.IndexOf(':');
        var (kind, name) = (target[..separator], target[(separator + 1)..]);
        IReadOnlyCollection<Session> sessions = kind == PushToUserKind
            ? broker.SessionsByUser.Of(name)
            : broker.Sessions.TryGet(name, out var session) ? [session] : [];
        broker.Push(message, sessions, received: false);
    }

    private void Deliver(Broker.Broker broker, byte[] batch, IReadOnlySet<Session>? only)
    {
        var outer = new RecordReader(batch);
        while (!outer.AtEnd)
        {
            var inner = new RecordReader(outer.Bytes());
            var forward = Records.ReadForward(ref inner, _time);
            var unserved = forward.Groups is null || forward.Bounced ? null : new List<string>();
            broker.DeliverForwarded(forward.Message, MatchScope.Forwarded(forward.Ordinary, forward.Groups), only, unserved);
            foreach (var group in unserved ?? [])
                BounceGroup(forward.Message, group);
        }
    }

    /// <summary>
    /// A group's turn came to this node just as its last member here left: the message goes to
    /// another node of the group, once, rather than to no member at all.
    /// </summary>
    private void BounceGroup(Broker.Messages.Message message, string group)
    {
        if (Routes.PickGroupNode(group, NodeId) is not { } node)
            return;
        var record = new RecordWriter();
        Records.WriteForward(record, message, ordinary: false, retainedCopy: false, groups: [group], _time, bounced: true);
        _writer.Enqueue(new WriteOp(WriteKind.Forward, node, Value: record.ToArray()));
    }

    private async Task AcknowledgeAsync(RedisKey stream, RedisValue[] ids)
    {
        try
        {
            var db = _redis.GetDatabase();
            await db.StreamAcknowledgeAsync(stream, Group, ids).ConfigureAwait(false);
            await db.StreamDeleteAsync(stream, ids).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Read again at the next start: QoS 1 may then arrive twice, as the protocol allows.
            InboxFailed(_log, e.Message);
        }
    }

    [LoggerMessage(EventId = 420, Level = LogLevel.Warning, Message = "Cluster: reading the inbox failed ({Error}); retrying")]
    private static partial void InboxFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 421, Level = LogLevel.Error, Message = "Cluster: inbox entry {Id} is malformed and was skipped: {Error}")]
    private static partial void BadEntry(ILogger logger, string id, string error);
}

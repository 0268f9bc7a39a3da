using System.Text.Json;
using Herald.Broker.Persistence;
using Herald.Broker.Sessions;
using Herald.Protocol.Packets;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// Heartbeats and failures. Every second a node renews its alive key (it lives
/// <see cref="NodeTimeout"/>) and looks at the others'. A node whose key ran out is dead: the first
/// node to take its adoption lock takes its client ids, loads its persistent sessions, delivers
/// what waited in its inbox to them, and removes its routes. A node that starts takes the same
/// lock on itself, so it never loads its sessions while another node is adopting them.
///
/// When Redis does not answer the node keeps serving its own clients (what must be written waits
/// in the writer, acknowledgements with it) and is not ready. When Redis answers again it checks
/// whether the others adopted it meanwhile (then its clients are disconnected, to reconnect and
/// find their sessions where they are now) and announces its routes again.
/// </summary>
public sealed partial class RedisCluster
{

    private static readonly TimeSpan AdoptionLock = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DeadMarker = TimeSpan.FromHours(1);

    /// <summary>How long after joining the retained messages are read once more (see <see cref="Announce"/>).</summary>
    private static readonly TimeSpan CatchUpAfter = TimeSpan.FromSeconds(5);

    private Task? _membershipLoop;
    private int _failedHeartbeats;
    private long _joinedAt;
    private bool _caughtUp;
    private Timer? _keepAlive;
    private long _lastRouteRefresh;
    private readonly string _startedAt = DateTimeOffset.UtcNow.ToString("O");

    /// <summary>Before loading: this node's own keys are its again, unless another process runs as it.</summary>
    private void TakeOverOwnKeys()
    {
        var db = _redis.GetDatabase();
        // A node restarted at once after a crash finds its last heartbeat still there: it waits it
        // out. One still renewed after that belongs to another running process with this id.
        var heartbeatGone = _time.GetUtcNow() + NodeTimeout + TimeSpan.FromSeconds(1.5);
        while (db.KeyExists(ClusterKeys.Alive(NodeId)))
        {
            if (_time.GetUtcNow() > heartbeatGone)
                throw new InvalidOperationException($"Herald:Cluster:NodeId '{NodeId}' is in use by a running node (its heartbeat is in Redis); give every node its own id");
            Thread.Sleep(200);
        }
        var deadline = _time.GetUtcNow() + AdoptionLock;
        while (!db.StringSet(ClusterKeys.Adopting(NodeId), NodeId, AdoptionLock, When.NotExists))
        {
            if (_time.GetUtcNow() > deadline)
                throw new InvalidOperationException($"another node has been adopting node '{NodeId}' for {AdoptionLock.TotalSeconds} s; try again");
            Thread.Sleep(200);
        }
        db.KeyDelete(ClusterKeys.Dead(NodeId));
        db.StringSet(ClusterKeys.Alive(NodeId), _startedAt, NodeTimeout);
    }

    /// <summary>
    /// Makes this node a member before it loads anything: its heartbeat starts, and once every
    /// other node has seen it (their next heartbeat) they send it the retained messages they set,
    /// so none set while it loads is missed.
    /// </summary>
    private void Announce()
    {
        var db = _redis.GetDatabase();
        db.HashSet(ClusterKeys.Nodes, NodeId, JsonSerializer.Serialize(new { started = _startedAt }));
        _keepAlive = new Timer(static s => ((RedisCluster)s!).RenewAlive(), this, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        var others = db.HashKeys(ClusterKeys.Nodes).Count(n => n.ToString() != NodeId && db.KeyExists(ClusterKeys.Alive(n.ToString())));
        if (others > 0)
            Thread.Sleep(TimeSpan.FromSeconds(1.5));
    }

    /// <summary>Every second from joining on, on a timer of its own: a slow start or a busy membership loop must not look like death.</summary>
    /// <remarks>Never blocks a pool thread: a starved pool must not stop the heartbeat it depends on.</remarks>
    private void RenewAlive() =>
        _redis.GetDatabase().StringSet(ClusterKeys.Alive(NodeId), _startedAt, NodeTimeout, flags: CommandFlags.FireAndForget);

    /// <summary>Renews this node's heartbeat and its entry, and reads who is alive.</summary>
    private async Task HeartbeatAsync()
    {
        var db = _redis.GetDatabase();
        await db.StringSetAsync(ClusterKeys.Alive(NodeId), _startedAt, NodeTimeout).ConfigureAwait(false);
        await db.HashSetAsync(ClusterKeys.Nodes, NodeId, JsonSerializer.Serialize(new { started = _startedAt })).ConfigureAwait(false);
        var members = new List<string>();
        foreach (var entry in await db.HashKeysAsync(ClusterKeys.Nodes).ConfigureAwait(false))
        {
            var node = entry.ToString();
            if (node == NodeId || await db.KeyExistsAsync(ClusterKeys.Alive(node)).ConfigureAwait(false))
                members.Add(node);
        }
        members.Sort(StringComparer.Ordinal);
        _members = [.. members];
    }

    private async Task MembershipAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                var wasReachable = IsReachable;
                var db = _redis.GetDatabase();
                if (!wasReachable && await db.KeyExistsAsync(ClusterKeys.Dead(NodeId)).ConfigureAwait(false))
                    Rejoin(db);
                await HeartbeatAsync().ConfigureAwait(false);
                IsReachable = true;
                _failedHeartbeats = 0;
                if (!wasReachable)
                {
                    Reachable(_log);
                    await ReloadRetainedAsync(db).ConfigureAwait(false);
                    _lastRouteRefresh = 0;
                }
                else if (!_caughtUp && _time.GetElapsedTime(_joinedAt) >= CatchUpAfter)
                {
                    // By now every node has seen this one and sends it what it sets; what was set
                    // while they had not yet is read once more from Redis.
                    _caughtUp = true;
                    await ReloadRetainedAsync(db).ConfigureAwait(false);
                }
                foreach (var node in await db.HashKeysAsync(ClusterKeys.Nodes).ConfigureAwait(false))
                {
                    if (node.ToString() != NodeId && !await db.KeyExistsAsync(ClusterKeys.Alive(node.ToString())).ConfigureAwait(false))
                        await AdoptAsync(db, node.ToString()).ConfigureAwait(false);
                }
                if (_time.GetElapsedTime(_lastRouteRefresh) >= RouteRefresh || _lastRouteRefresh == 0)
                {
                    await RefreshRoutesAsync().ConfigureAwait(false);
                    _lastRouteRefresh = _time.GetTimestamp();
                }
            }
            catch (Exception e) when (e is RedisException or TimeoutException)
            {
                // One slow answer on a busy machine is not an outage: two heartbeats in a row are.
                if (IsReachable && ++_failedHeartbeats >= 2)
                {
                    IsReachable = false;
                    Unreachable(_log, Configuration, e.Message);
                }
            }
        }
    }

    /// <summary>
    /// The others found this node dead while it could not reach Redis, and adopted its sessions:
    /// its clients are disconnected (to find their sessions on reconnect) and it joins afresh.
    /// </summary>
    private void Rejoin(IDatabase db)
    {
        var broker = _broker!;
        var released = 0;
        foreach (var session in broker.Sessions.All.ToList())
        {
            broker.ReleaseSession(session.ClientId);
            released++;
        }
        db.KeyDelete(ClusterKeys.Dead(NodeId));
        Rejoined(_log, released);
    }

    /// <summary>Makes this node's retained messages what Redis holds: those set are taken, those cleared removed ($SYS, each node's own, left alone).</summary>
    private async Task ReloadRetainedAsync(IDatabase db)
    {
        var store = (RedisSessionStore)Store;
        var broker = _broker!;
        var held = new HashSet<string>(StringComparer.Ordinal);
        var nothingElse = Broker.Routing.MatchScope.Forwarded(ordinary: false, groups: null);
        foreach (var entry in await db.HashGetAllAsync(ClusterKeys.Retained).ConfigureAwait(false))
        {
            held.Add(entry.Name.ToString());
            broker.DeliverForwarded(store.ReadRetained(entry.Value), nothingElse);
        }
        var local = new List<Broker.Messages.Message>();
        broker.Retained.Match("#", local); // '#' leaves out the '$' topics [MQTT-4.7.2-1]
        foreach (var message in local)
        {
            // A message set moments ago may still be on its way into Redis: left alone.
            if (!held.Contains(message.Topic) && _time.GetElapsedTime(message.Timestamp) > CatchUpAfter)
                broker.DeliverForwarded(Broker.Messages.Message.Create(message.Topic, [], Protocol.QualityOfService.AtMostOnce, retain: true), nothingElse);
        }
    }

    /// <summary>Adopts a dead node now, or waits (bounded) while another node does.</summary>
    private async Task AdoptOrAwaitAsync(IDatabase db, string dead, CancellationToken cancellationToken)
    {
        await AdoptAsync(db, dead).ConfigureAwait(false);
        var deadline = _time.GetUtcNow() + ReleaseTimeout;
        while (await db.KeyExistsAsync(ClusterKeys.Adopting(dead)).ConfigureAwait(false) && _time.GetUtcNow() < deadline)
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes over a dead node's client ids and persistent sessions and what waited in its inbox, then forgets the node.</summary>
    private async Task AdoptAsync(IDatabase db, string dead)
    {
        if (!await db.StringSetAsync(ClusterKeys.Adopting(dead), NodeId, AdoptionLock, When.NotExists).ConfigureAwait(false))
            return;
        try
        {
            if (await db.KeyExistsAsync(ClusterKeys.Alive(dead)).ConfigureAwait(false))
                return;
            // From now on forwards to the dead node come here (Scripts.Forward).
            await db.StringSetAsync(ClusterKeys.Dead(dead), NodeId, DeadMarker).ConfigureAwait(false);
            var broker = _broker!;
            var adopted = new HashSet<Session>();
            var wills = new List<(string ClientId, ConnectWill Will)>();
            var now = _time.GetUtcNow();
            foreach (var member in await db.SetMembersAsync(ClusterKeys.Sessions(dead)).ConfigureAwait(false))
            {
                var clientId = member.ToString();
                var key = ClusterKeys.Session(clientId);
                if ((long)await db.ScriptEvaluateAsync(Scripts.CompareAndSetOwner, [key], [dead, NodeId]).ConfigureAwait(false) != 1)
                    continue; // claimed by a node its client reconnected to
                var fields = await db.HashGetAllAsync(key).ConfigureAwait(false);
                var stored = RedisSessionStore.Parse(clientId, fields, NodeId, _time);
                // The client was connected when its node died: the connection is lost, so its will
                // is published [MQTT-3.1.2-8], or waits out its delay in a lasting session.
                if (fields.FirstOrDefault(f => f.Name == ConnectionWillField) is { Value.IsNull: false } field)
                {
                    var will = Records.ReadWill((byte[])field.Value!).Will;
                    var delay = will.Properties?.WillDelayInterval ?? 0;
                    if (stored is not null && delay > 0)
                        stored = stored with { Will = new StoredWill(will, now.AddSeconds(delay)), DisconnectedAt = stored.DisconnectedAt ?? now };
                    else
                        wills.Add((clientId, will));
                    await db.ScriptEvaluateAsync(Scripts.Apply, [key], [NodeId, "d", ConnectionWillField]).ConfigureAwait(false);
                }
                if (stored is not null)
                {
                    await db.SetAddAsync(ClusterKeys.Sessions(NodeId), clientId).ConfigureAwait(false);
                    broker.AdoptSession(stored with { DisconnectedAt = stored.DisconnectedAt ?? now });
                    if (broker.Sessions.TryGet(clientId, out var session))
                        adopted.Add(session);
                }
                else
                {
                    // A clean session dies with its connection.
                    await db.ScriptEvaluateAsync(Scripts.Apply, [key], [NodeId, "e"]).ConfigureAwait(false);
                }
            }
            _adoptedFrom[dead] = adopted;
            var drained = await DrainAsync(db, dead).ConfigureAwait(false);
            foreach (var (clientId, will) in wills)
                broker.PublishWill(will, clientId);
            var count = adopted.Count;
            await db.KeyDeleteAsync([ClusterKeys.Routes(dead), ClusterKeys.Sessions(dead)]).ConfigureAwait(false);
            await db.HashDeleteAsync(ClusterKeys.Nodes, dead).ConfigureAwait(false);
            await db.PublishAsync(ClusterKeys.RouteChanges, $"!{dead}").ConfigureAwait(false);
            Routes.Replace(dead, []);
            Adopted(_log, dead, count, drained);
        }
        finally
        {
            await db.KeyDeleteAsync(ClusterKeys.Adopting(dead)).ConfigureAwait(false);
        }
    }

    /// <summary>Delivers every entry left in a dead node's inbox (read or not) to the sessions adopted from it; the stream goes once that is durable.</summary>
    private async Task<int> DrainAsync(IDatabase db, string dead)
    {
        var stream = ClusterKeys.Inbox(dead);
        if (!await db.KeyExistsAsync(stream).ConfigureAwait(false))
            return 0;
        await EnsureGroupAsync(db, stream).ConfigureAwait(false);
        var count = 0;
        var claimed = await db.StreamAutoClaimAsync(stream, Group, NodeId, 0, "0-0", 10_000).ConfigureAwait(false);
        if (claimed.ClaimedEntries.Length > 0)
        {
            ProcessAs(stream, claimed.ClaimedEntries, dead);
            count += claimed.ClaimedEntries.Length;
        }
        while (true)
        {
            var entries = await db.StreamReadGroupAsync(stream, Group, NodeId, StreamPosition.NewMessages, ReadCount).ConfigureAwait(false);
            if (entries.Length == 0)
                break;
            ProcessAs(stream, entries, dead);
            count += entries.Length;
        }
        Store.WhenDurable(static state =>
        {
            var (cluster, key) = ((RedisCluster, RedisKey))state!;
            _ = cluster._redis.GetDatabase().KeyDeleteAsync(key);
        }, (this, stream));
        return count;
    }

    /// <summary>Entries of a dead node's inbox are addressed to it even without a "to" field.</summary>
    private void ProcessAs(RedisKey stream, StreamEntry[] entries, string dead)
    {
        var addressed = new StreamEntry[entries.Length];
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            addressed[i] = entry["to"].IsNull ? new StreamEntry(entry.Id, [.. entry.Values, new NameValueEntry("to", dead)]) : entry;
        }
        Process(stream, addressed);
    }

    [LoggerMessage(EventId = 440, Level = LogLevel.Warning,
        Message = "Cluster: node {Node} is gone; adopted its {Sessions} persistent sessions and {Entries} inbox entries")]
    private static partial void Adopted(ILogger logger, string node, int sessions, int entries);

    [LoggerMessage(EventId = 441, Level = LogLevel.Critical,
        Message = "Cluster: Redis {Configuration} does not answer ({Error}). Serving the clients connected here; QoS 1/2 acknowledgements wait, messages to other nodes queue, and /readyz reports not ready until it answers")]
    private static partial void Unreachable(ILogger logger, string configuration, string error);

    [LoggerMessage(EventId = 442, Level = LogLevel.Information, Message = "Cluster: Redis answers again; routes and retained messages resynchronised")]
    private static partial void Reachable(ILogger logger);

    [LoggerMessage(EventId = 443, Level = LogLevel.Warning,
        Message = "Cluster: the other nodes took this node's sessions while Redis was away; disconnected its {Clients} sessions' clients to reconnect to them")]
    private static partial void Rejoined(ILogger logger, int clients);
}

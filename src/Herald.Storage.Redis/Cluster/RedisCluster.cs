using System.Text.RegularExpressions;
using Herald.Broker.Cluster;
using Herald.Broker.Messages;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// This node's membership of a Herald cluster whose shared state is in Redis (a single server or
/// Redis Cluster). What lives where (the README has the whole picture):
/// <list type="bullet">
/// <item>Redis: the nodes and their heartbeats, each node's routes (filters it has subscribers
/// for), the owner of every client id, persistent sessions with their messages, retained
/// messages, and each node's inbox stream of forwarded messages.</item>
/// <item>Each node: its sessions and connections in memory as on a single node, a
/// <see cref="RouteTable"/> of every node's routes (loaded at start, kept by announcements on a
/// channel, reloaded every <see cref="RouteRefresh"/>), and the retained messages.</item>
/// </list>
/// A message published here is routed to local sessions and, through the node's one
/// <see cref="RedisWriter"/>, appended to the inbox of every other node with a matching route:
/// one stream entry per node per batch. Split by aspect: routes and forwarding here, the inbox
/// in <c>RedisCluster.Inbox.cs</c>, client ids and sessions in <c>.Sessions.cs</c>, heartbeats
/// and the adoption of dead nodes in <c>.Membership.cs</c>.
/// </summary>
public sealed partial class RedisCluster : IClusterBus, IAsyncDisposable
{
    /// <summary>How often every node's routes are read again whole, in case an announcement was missed.</summary>
    public static readonly TimeSpan RouteRefresh = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a call into Redis may take before it counts as failed (StackExchange.Redis's
    /// default): a busy machine answers late, not never; an outage takes two failed heartbeats.
    /// </summary>
    public static readonly TimeSpan RedisTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The will of a connected client in its session hash (<see cref="ClusterKeys.Session"/>), published by an adopter.</summary>
    private const string ConnectionWillField = "cw";

    private const string PushToUserKind = "user";
    private const string PushToClientKind = "client";

    private readonly ConnectionMultiplexer _redis;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly RedisWriter _writer;
    private readonly AppliedAcks _applied;
    private readonly ThreadLocal<RouteMatch> _matches;
    private readonly CancellationTokenSource _stopping = new();
    private Broker.Broker? _broker;
    private volatile string[] _members = [];
    private int _disposed;

    /// <summary>Bits of a message id below the node's prefix: 2^48 messages per join before ids could repeat.</summary>
    private const int MessageIdBits = 48;

    private RedisCluster(ConnectionMultiplexer redis, string nodeId, string configuration, TimeProvider time, ILogger log, long joinNumber, TimeSpan nodeTimeout)
    {
        NodeTimeout = nodeTimeout;
        _redis = redis;
        NodeId = nodeId;
        Configuration = configuration;
        _time = time;
        _log = log;
        _applied = new AppliedAcks(nodeId, () => _members);
        _writer = new RedisWriter(redis, nodeId, log, HasLocalSession, OnFenced, _applied);
        _matches = new ThreadLocal<RouteMatch>(() => new RouteMatch(nodeId));
        // The prefix wraps after 2^15 joins; ids need only be unique among the messages of a few seconds.
        Store = new RedisSessionStore(_writer, redis, nodeId, time, (joinNumber & 0x7FFF) << MessageIdBits);
    }

    public string NodeId { get; }

    /// <summary>
    /// How long a node counts as alive after its last heartbeat (heartbeats are every second): its
    /// death is noticed within this and one more second; a node stalled longer than this (a long
    /// GC pause, a starved machine) is taken for dead, and its clients reconnect to their sessions.
    /// </summary>
    public TimeSpan NodeTimeout { get; }

    /// <summary>The Redis configuration string, for messages.</summary>
    public string Configuration { get; }

    /// <summary>Persistent sessions and retained messages in Redis: the engine's durable store when clustered.</summary>
    public Broker.Persistence.IDurableStore Store { get; }

    /// <summary>Every node's routes, as this node knows them.</summary>
    public RouteTable Routes { get; } = new();

    /// <summary>The nodes alive at the last heartbeat, this one included.</summary>
    public IReadOnlyList<string> Members => _members;

    /// <summary>True while Redis answers; false from the first failed heartbeat until one succeeds again.</summary>
    public bool IsReachable
    {
        get => _reachable;
        private set => _reachable = value;
    }

    private volatile bool _reachable = true;

    /// <summary>
    /// Connects to Redis and joins as <paramref name="nodeId"/>: waits while another node is adopting
    /// this one's sessions (it was found dead), and refuses a node id another running node holds.
    /// </summary>
    /// <exception cref="RedisConnectionException">Redis cannot be reached.</exception>
    /// <exception cref="InvalidOperationException">The node id is in use or invalid; the message says so.</exception>
    public static RedisCluster Join(string configuration, string nodeId, TimeSpan nodeTimeout, TimeProvider time, ILogger log)
    {
        if (!ValidNodeId().IsMatch(nodeId))
            throw new InvalidOperationException($"Herald:Cluster:NodeId '{nodeId}' must be 1 to 64 letters, digits, '.', '_' or '-'");
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = true;
        options.SyncTimeout = options.AsyncTimeout = (int)RedisTimeout.TotalMilliseconds;
        // With no connection a call fails at once instead of waiting out the timeout in a backlog:
        // an outage shows within two heartbeats, and the writer retries each second by itself.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = (int)RedisTimeout.TotalMilliseconds;
        var redis = ConnectionMultiplexer.Connect(options);
        var joinNumber = redis.GetDatabase().StringIncrement(ClusterKeys.Joins);
        var cluster = new RedisCluster(redis, nodeId, configuration, time, log, joinNumber, nodeTimeout);
        cluster.TakeOverOwnKeys();
        cluster.Announce();
        return cluster;
    }

    /// <summary>
    /// Starts serving: announces this node, loads every node's routes, listens for route changes
    /// and inbox wake-ups, reads what waited in its inbox, and starts the heartbeat. Call once the
    /// broker holds what <see cref="Store"/> loaded.
    /// </summary>
    public void Start(Broker.Broker broker)
    {
        _broker = broker;
        _joinedAt = _time.GetTimestamp();
        var subscriber = _redis.GetSubscriber();
        subscriber.Subscribe(ClusterKeys.RouteChanges, (_, change) => OnRouteChange(change.ToString()));
        subscriber.Subscribe(ClusterKeys.Wake(NodeId), (_, _) => WakeInbox());
        subscriber.Subscribe(ClusterKeys.Applied(NodeId), (_, ack) => OnApplied(ack.ToString()));
        // At startup, before the broker serves anyone: waiting here holds nothing up.
        HeartbeatAsync().GetAwaiter().GetResult();
        RefreshRoutesAsync().GetAwaiter().GetResult();
        var db = _redis.GetDatabase();
        db.KeyDelete(ClusterKeys.Adopting(NodeId));
        _inboxLoop = Task.Run(ReadInboxAsync);
        _membershipLoop = Task.Run(MembershipAsync);
        Joined(_log, NodeId, Configuration, _members.Length, Routes.Count);
    }

    public ForwardResult Forward(Message message)
    {
        var match = _matches.Value!;
        Routes.Match(message.Topic, NodeId, match);
        var members = message.Retain ? _members : [];
        if (match.Targets.Count == 0 && members.Length <= 1)
            return new ForwardResult(0, null);
        _broker!.AssignStoreId(message); // its name on every node it reaches
        var sent = 0;
        var record = new RecordWriter();
        foreach (var target in match.Targets)
        {
            record.Reset();
            Records.WriteForward(record, message, target.Ordinary, message.Retain, target.Groups, _time);
            _writer.Enqueue(new WriteOp(WriteKind.Forward, target.Node, message.Retain, record.ToArray()));
            sent++;
        }
        // Every node keeps every retained message: the others get it even without a matching subscription.
        foreach (var member in members)
        {
            if (member == NodeId || match.Targets.Any(t => t.Node == member))
                continue;
            record.Reset();
            Records.WriteForward(record, message, ordinary: false, retainedCopy: true, groups: null, _time);
            _writer.Enqueue(new WriteOp(WriteKind.Forward, member, true, record.ToArray()));
        }
        var elsewhere = match.GroupsElsewhere.Count > 0 ? new HashSet<string>(match.GroupsElsewhere, StringComparer.Ordinal) : null;
        return new ForwardResult(sent, elsewhere);
    }

    public void Relay(string node, string clientId, Message message, Protocol.QualityOfService qos, bool retain, int[]? subscriptionIds)
    {
        _broker!.AssignStoreId(message);
        var delivery = new Broker.Sessions.QueuedMessage(message, qos, retain, subscriptionIds);
        _writer.Enqueue(new WriteOp(WriteKind.Relay, node, clientId, Records.Delivery(delivery, _time)));
    }

    public void ShareRetained(Message message)
    {
        var record = new RecordWriter();
        Records.WriteForward(record, message, ordinary: false, retainedCopy: true, groups: null, _time);
        foreach (var member in _members)
        {
            if (member != NodeId)
                _writer.Enqueue(new WriteOp(WriteKind.Forward, member, Value: record.ToArray()));
        }
    }

    public void SaveWill(string clientId, Protocol.Packets.ConnectWill? will) =>
        _writer.Enqueue(will is null
            ? new WriteOp(WriteKind.SessionDelete, clientId, ConnectionWillField)
            : new WriteOp(WriteKind.SessionSet, clientId, ConnectionWillField, Records.Will(will, _time.GetUtcNow())));

    /// <summary>The node that owns <paramref name="clientId"/>, if any.</summary>
    public async Task<string?> OwnerOfAsync(string clientId) =>
        (string?)await _redis.GetDatabase().HashGetAsync(ClusterKeys.Session(clientId), "owner").ConfigureAwait(false);

    /// <summary>
    /// Pushes a message straight to sessions on other nodes, as <see cref="Broker.Broker.Push"/>
    /// does here: to every session of <paramref name="user"/> on every other node.
    /// </summary>
    /// <returns>The number of other nodes asked.</returns>
    public int PushToUser(string user, Message message)
    {
        var asked = 0;
        foreach (var member in _members)
        {
            if (member == NodeId)
                continue;
            Push(member, PushToUserKind, user, message);
            asked++;
        }
        return asked;
    }

    /// <summary>Pushes a message to the session of <paramref name="clientId"/> on <paramref name="node"/>, its owner.</summary>
    public void PushToClient(string node, string clientId, Message message) => Push(node, PushToClientKind, clientId, message);

    /// <summary>Asks <paramref name="node"/> to disconnect its client <paramref name="clientId"/> as the admin API's kick does.</summary>
    public void Kick(string node, string clientId) => _writer.Enqueue(new WriteOp(WriteKind.Control, node, "kick", clientId));

    private void Push(string node, string kind, string name, Message message)
    {
        var record = new RecordWriter();
        Records.WriteMessage(record, message, _time);
        _writer.Enqueue(new WriteOp(WriteKind.Push, node, $"{kind}:{name}", record.ToArray()));
    }

    public void RouteAdded(string filter)
    {
        Routes.Add(NodeId, filter);
        _writer.Enqueue(new WriteOp(WriteKind.Route, filter, Value: true));
    }

    public void RouteRemoved(string filter)
    {
        Routes.Remove(NodeId, filter);
        _writer.Enqueue(new WriteOp(WriteKind.Route, filter, Value: false));
    }

    /// <summary>Each node's last published status (<see cref="PublishStatus"/>), by node, for the API and $SYS.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ReadStatusAsync()
    {
        var db = _redis.GetDatabase();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in _members)
        {
            if (await db.StringGetAsync(ClusterKeys.Stats(node)).ConfigureAwait(false) is { IsNull: false } status)
                result[node] = status.ToString();
        }
        return result;
    }

    /// <summary>Publishes this node's status (JSON the server makes) for the others to read; lives a few heartbeats.</summary>
    public Task PublishStatus(string json) => _redis.GetDatabase().StringSetAsync(ClusterKeys.Stats(NodeId), json, TimeSpan.FromSeconds(5));

    public async ValueTask DisposeAsync()
    {
        // The host's container disposes it once for each service it stands for (itself, IClusterBus).
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _stopping.Cancel();
        _keepAlive?.Dispose();
        WakeInbox();
        foreach (var loop in new[] { _inboxLoop, _membershipLoop })
        {
            if (loop is not null)
                await loop.ConfigureAwait(false);
        }
        await _writer.DisposeAsync().ConfigureAwait(false);
        try
        {
            // Gone at once rather than when the heartbeat runs out: another node adopts the sessions now.
            await _redis.GetDatabase().KeyDeleteAsync(ClusterKeys.Alive(NodeId)).ConfigureAwait(false);
        }
        catch (RedisException)
        {
        }
        await _redis.CloseAsync().ConfigureAwait(false);
        _redis.Dispose();
        _matches.Dispose();
    }

    /// <summary>An announcement of <see cref="PlannedWrite.Routes"/> (<c>node␀+filter␀-filter…</c>), or <c>!node</c>: a node left.</summary>
    private void OnRouteChange(string change)
    {
        if (change.StartsWith('!'))
        {
            if (change[1..] != NodeId)
                Routes.Replace(change[1..], []);
            return;
        }
        var parts = change.Split(PlannedWrite.Routes.Separator);
        if (parts[0] == NodeId || parts.Length < 2)
            return;
        for (var i = 2; i < parts.Length; i++)
        {
            if (parts[i].Length < 2)
                continue;
            if (parts[i][0] == '+')
                Routes.Add(parts[0], parts[i][1..]);
            else
                Routes.Remove(parts[0], parts[i][1..]);
        }
        Applied(parts[0], parts[1]);
    }

    /// <summary>Tells <paramref name="node"/> this node applied its write <paramref name="sequence"/>.</summary>
    private void Applied(string node, string sequence) =>
        _redis.GetSubscriber().Publish(ClusterKeys.Applied(node), $"{NodeId} {sequence}", CommandFlags.FireAndForget);

    private void OnApplied(string ack)
    {
        var space = ack.IndexOf(' ');
        if (space > 0 && long.TryParse(ack.AsSpan(space + 1), out var sequence))
            _applied.Acked(ack[..space], sequence);
    }

    /// <summary>Reads every member's routes whole; this node's own are announced again, for a Redis that lost them.</summary>
    private async Task RefreshRoutesAsync()
    {
        var db = _redis.GetDatabase();
        var own = _broker!.Subscriptions.Routes();
        if (own.Count > 0)
            await db.SetAddAsync(ClusterKeys.Routes(NodeId), [.. own.Select(f => (RedisValue)f)]).ConfigureAwait(false);
        Routes.Replace(NodeId, own);
        foreach (var node in _members)
        {
            if (node != NodeId)
                Routes.Replace(node, (await db.SetMembersAsync(ClusterKeys.Routes(node)).ConfigureAwait(false)).Select(v => v.ToString()));
        }
        foreach (var node in Routes.Nodes)
        {
            if (Array.IndexOf(_members, node) < 0)
                Routes.Replace(node, []);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex ValidNodeId();

    [LoggerMessage(EventId = 410, Level = LogLevel.Information,
        Message = "Cluster: node {Node} joined through Redis {Configuration}; {Members} nodes alive, {Routes} routes")]
    private static partial void Joined(ILogger logger, string node, string configuration, int members, int routes);
}

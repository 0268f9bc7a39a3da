using System.Collections.Concurrent;
using Herald.Broker.Auth;
using Herald.Broker.Cluster;
using Herald.Broker.Connections;
using Herald.Broker.Diagnostics;
using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Retained;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Broker.Statistics;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Broker;

/// <summary>
/// The MQTT engine: accepts connections, routes messages through the subscription tree to
/// sessions, keeps retained messages and publishes wills. It sees bytes and small interfaces,
/// never sockets, so every behaviour runs in memory in tests and benchmarks.
/// </summary>
public sealed partial class Broker : IDisposable
{
    private readonly ConcurrentDictionary<ClientConnection, byte> _connections = new(ReferenceEqualityComparer.Instance);
    private readonly ConcurrentDictionary<string, int> _connectionsPerAddress = new(StringComparer.Ordinal);
    [ThreadStatic]
    private static List<Subscriber>? t_subscribers;
    private volatile bool _stopping;
    private readonly ITimer _purgeTimer;
    private readonly SysTopics? _sysTopics;
    private readonly Lock _retainedGate = new(); // memory and disk take retained messages in the same order
    private long _lastMessageId;
    private volatile AclPolicy _acl = AclPolicy.Empty;
    private volatile BanList _bans = BanList.Empty;
    private readonly ConcurrentDictionary<string, Session> _relaying = new(StringComparer.Ordinal); // sessions given up to another node, still relaying (see ReleaseSession)

    public Broker(
        BrokerOptions options,
        ISessionStore sessions,
        IRetainedStore retained,
        IAuthenticator authenticator,
        TimeProvider time,
        ILogger<Broker>? logger = null,
        BrokerMetrics? metrics = null,
        IDurableStore? store = null,
        IClusterBus? cluster = null)
    {
        Store = store;
        Cluster = cluster;
        if (cluster is not null)
            Subscriptions.RouteChanged = (filter, added) => (added ? (Action<string>)cluster.RouteAdded : cluster.RouteRemoved)(filter);
        Options = options;
        Sessions = sessions;
        Retained = retained;
        Authenticator = authenticator;
        Time = time;
        Log = logger ?? NullLogger<Broker>.Instance;
        Metrics = metrics ?? new BrokerMetrics();
        Logins = new LoginThrottle(time, options.MaxLoginFailures, options.LoginThrottleWindow);
        StartedAt = time.GetUtcNow();
        Timeouts = new TimeoutWheel(time);
        TopicStatistics = new TopicStatistics(time, options.HotTopicCapacity);
        Metrics.Observe(this);
        _purgeTimer = time.CreateTimer(static s => ((Broker)s!).PurgeExpired(), this, options.PurgeInterval, options.PurgeInterval);
        if (options.SysInterval > TimeSpan.Zero)
            _sysTopics = new SysTopics(this, options.SysInterval);
    }

    public BrokerOptions Options { get; }

    public ISessionStore Sessions { get; }

    public IRetainedStore Retained { get; }

    /// <summary>Where persistent sessions and retained messages are recorded; null when kept in memory only.</summary>
    public IDurableStore? Store { get; }

    /// <summary>The other nodes of the cluster this node belongs to; null on a single node.</summary>
    public IClusterBus? Cluster { get; }

    public SubscriptionTree Subscriptions { get; } = new();

    /// <summary>Each username's sessions, for pushes to a user.</summary>
    public SessionsByUser SessionsByUser { get; } = new();

    /// <summary>The ACL rules in force, replaced whole when they change; checked from every client's next packet on.</summary>
    public AclPolicy Acl
    {
        get => _acl;
        set => _acl = value;
    }

    public TimeProvider Time { get; }

    /// <summary>When the broker was made, for its uptime.</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Messages and bytes per topic over the last minute, five minutes and hour, for the hot-topics API.</summary>
    public TopicStatistics TopicStatistics { get; }

    /// <summary>The engine's counts: messages, packets and bytes in and out, drops, refused logins.</summary>
    public BrokerMetrics Metrics { get; }

    public int ConnectionCount => _connections.Count;

    /// <summary>
    /// The bans in force. Replacing them closes every connected client a ban now names, so a ban
    /// takes effect at once.
    /// </summary>
    public BanList Bans
    {
        get => _bans;
        set
        {
            _bans = value;
            var now = Time.GetUtcNow();
            foreach (var connection in _connections.Keys)
            {
                if (connection.Session is not null && value.Find(connection.ClientId, connection.Username, connection.RemoteAddress, now) is not null)
                    connection.Close(DisconnectReason.Banned);
            }
        }
    }

    /// <summary>Failed logins per source address, to refuse a brute-force loop.</summary>
    public LoginThrottle Logins { get; }

    /// <summary>Open connections from <paramref name="address"/>.</summary>
    public int ConnectionsFrom(string address) => _connectionsPerAddress.GetValueOrDefault(address);

    /// <summary>True once <see cref="Stop"/> began: new CONNECTs get 0x03 Server unavailable.</summary>
    public bool IsStopping => _stopping;

    internal IAuthenticator Authenticator { get; }

    internal ILogger Log { get; }

    /// <summary>
    /// Serialises the moves of a client id between connections and sessions (connect, takeover,
    /// end of a clean session). Never held while a message is routed to many sessions.
    /// </summary>
    internal Lock SessionsGate { get; } = new();

    /// <summary>Every connection's connect and keep-alive deadline.</summary>
    internal TimeoutWheel Timeouts { get; }

    /// <summary>A new network connection; the host feeds it bytes and drains its packets.</summary>
    /// <param name="certificateIdentity">The name in the client's TLS certificate, verified by the transport; it logs the client in as that user.</param>
    /// <param name="listener">Told when the connection has packets to write, for a transport without a writer loop waiting on <see cref="ClientConnection.WaitToWriteAsync"/>.</param>
    public ClientConnection Accept(string remoteEndPoint, string? certificateIdentity = null, IOutboundListener? listener = null)
    {
        var connection = new ClientConnection(this, remoteEndPoint, listener) { CertificateIdentity = certificateIdentity };
        _connections.TryAdd(connection, 0);
        _connectionsPerAddress.AddOrUpdate(connection.RemoteAddress, 1, static (_, count) => count + 1);
        Metrics.ConnectionAccepted();
        // Kestrel accepts sockets for a moment after Stop began; Stop set the flag before it went
        // through the list and this adds before reading it, so no connection slips past both.
        if (_stopping)
            connection.Close(DisconnectReason.ServerShutdown);
        return connection;
    }

    /// <summary>
    /// Publishes a message as if a client had: stores or clears it when retained, then routes it
    /// to every matching session, with RETAIN cleared unless the subscription keeps it
    /// [MQTT-3.3.1-9] [MQTT-3.3.1-12] [MQTT-3.3.1-13].
    /// </summary>
    /// <param name="refuseWhenFull">A session whose queue is full refuses the message instead of dropping its oldest.</param>
    public PublishOutcome Publish(Message message, bool refuseWhenFull = false)
    {
        RecordTopic(message);
        // $SYS values are each node's own, made afresh at every start: neither stored nor sent to other nodes.
        var system = message.Topic.StartsWith(SysTopics.Prefix, StringComparison.Ordinal);
        if (message.Retain)
        {
            lock (_retainedGate)
            {
                Retained.Set(message); // [MQTT-3.3.1-5] [MQTT-3.3.1-10]
                if (Store is { } store && !system)
                {
                    AssignStoreId(message);
                    store.SetRetained(message);
                }
            }
        }
        var forwarded = Cluster is { } cluster && !system ? cluster.Forward(message) : default;
        var outcome = Route(message, forwarded.GroupsElsewhere is { Count: > 0 } elsewhere ? MatchScope.Except(elsewhere) : MatchScope.All, refuseWhenFull);
        return outcome with { Deliveries = outcome.Deliveries + forwarded.Nodes, Forwarded = forwarded.Nodes };
    }

    /// <summary>
    /// A message another node of the cluster forwarded: kept when retained (that node stored it),
    /// then routed to what the sender asked of this node. Never forwarded again.
    /// </summary>
    /// <param name="onlySessions">Ordinary subscriptions of these sessions only: what was sent to a dead node goes to the sessions adopted from it.</param>
    /// <param name="unservedGroups">Gets the groups asked of this node that have no member here any more (it left a moment ago), for the cluster to send on.</param>
    public PublishOutcome DeliverForwarded(Message message, MatchScope scope, IReadOnlySet<Session>? onlySessions = null, List<string>? unservedGroups = null)
    {
        if (message.Retain)
        {
            lock (_retainedGate)
                Retained.Set(message);
        }
        return Route(message, scope, refuseWhenFull: false, onlySessions, unservedGroups);
    }

    private PublishOutcome Route(Message message, MatchScope scope, bool refuseWhenFull, IReadOnlySet<Session>? onlySessions = null, List<string>? unservedGroups = null)
    {
        var subscribers = t_subscribers ?? [];
        t_subscribers = null; // a will published while routing gets a list of its own
        try
        {
            Subscriptions.Match(message.Topic, message.OriginClientId, subscribers, scope);
            if (unservedGroups is not null && scope.AskedGroups is { } asked)
            {
                foreach (var key in asked)
                {
                    if (!subscribers.Exists(s => s.Group?.Key == key))
                        unservedGroups.Add(key);
                }
            }
            int sent = 0, queued = 0;
            var refused = false;
            foreach (var s in subscribers)
            {
                if (onlySessions is not null && s.Group is null && !onlySessions.Contains(s.Session))
                    continue;
                switch (s.Session.Deliver(message, s.QoS, s.RetainAsPublished && message.Retain, s.SubscriptionIds, s.Group, refuseWhenFull))
                {
                    case DeliveryResult.Sent:
                        sent++;
                        break;
                    case DeliveryResult.Queued:
                        queued++;
                        break;
                    case DeliveryResult.Refused:
                        refused = true;
                        break;
                }
            }
            return new PublishOutcome(subscribers.Count, sent, queued, refused, Forwarded: 0);
        }
        finally
        {
            subscribers.Clear();
            t_subscribers = subscribers;
        }
    }

    /// <summary>Counts a message for the hot topics; the server's own ($SYS) are not the users' traffic.</summary>
    private void RecordTopic(Message message)
    {
        if (!message.Topic.StartsWith('$'))
            TopicStatistics.Record(message.Topic, message.Payload.Length);
    }

    /// <summary>
    /// Publishes the $SYS topics now rather than at the end of the first interval, so a client
    /// that subscribes as the server starts reads them at once, as from Mosquitto. Called by the
    /// host once the broker holds what the store restored.
    /// </summary>
    public void PublishSysTopics() => _sysTopics?.PublishChanged();

    /// <summary>Refuses new clients and closes every connection, publishing their wills.</summary>
    public void Stop()
    {
        _stopping = true;
        foreach (var connection in _connections.Keys)
            connection.Close(DisconnectReason.ServerShutdown);
    }

    public void Dispose()
    {
        _purgeTimer.Dispose();
        Timeouts.Dispose();
        _sysTopics?.Dispose();
        Metrics.Dispose();
    }

    /// <summary>Drops expired messages from every session's queue and from the retained store, and from the durable store with them.</summary>
    internal void PurgeExpired()
    {
        foreach (var session in Sessions.All)
            session.PurgeExpired();
        var expired = new List<Message>();
        lock (_retainedGate)
        {
            Retained.RemoveExpired(Time, expired);
            foreach (var message in expired)
                Store?.RemoveRetained(message);
        }
    }

    internal void OnConnectionClosed(ClientConnection connection, DisconnectReason reason)
    {
        if (_connections.TryRemove(connection, out _))
        {
            if (_connectionsPerAddress.AddOrUpdate(connection.RemoteAddress, 0, static (_, count) => count - 1) <= 0)
                _connectionsPerAddress.TryRemove(new KeyValuePair<string, int>(connection.RemoteAddress, 0));
        }
        if (connection.Session is not { } session)
        {
            Log.ClosedBeforeConnect(connection.RemoteEndPoint, reason);
            return;
        }
        Metrics.ClientDisconnected();
        Log.ClientDisconnected(connection.ClientId, connection.RemoteEndPoint, reason);
        if (connection.WillInCluster)
            Cluster?.SaveWill(connection.ClientId, null); // published, discarded or kept by the session below
        // [MQTT-3.1.2-8] the will goes out on every end but a plain DISCONNECT.
        var will = reason != DisconnectReason.ClientDisconnected ? connection.Will : null;
        var willDelay = will?.Properties?.WillDelayInterval ?? 0;
        var delayed = will is not null && willDelay > 0 && session.IsPersistent;
        lock (SessionsGate)
        {
            if (session.Detach(connection, delayed ? will : null, willDelay) && !session.IsPersistent)
                EndSession(session); // [MQTT-3.1.2-6]
        }
        // After the detach, so a will routed back to its own persistent session is queued, not sent to the dead connection.
        if (will is not null && !delayed)
            PublishWill(will, connection.ClientId);
    }

    /// <summary>Publishes a will, its Message Expiry counting from now, when it is published.</summary>
    public void PublishWill(ConnectWill will, string clientId) =>
        Publish(Message.Create(will.Topic, will.Payload, will.QoS, will.Retain, will.Properties, clientId, Time.GetTimestamp()));

    /// <summary>
    /// Discards a session and its subscriptions, publishes a will still waiting out its delay, and
    /// hands messages it held for shared subscriptions to other members of their groups.
    /// The caller holds <see cref="SessionsGate"/>.
    /// </summary>
    internal void EndSession(Session session)
    {
        // What the session hands on and its deletion reach the disk in one commit.
        using var atomic = new AtomicRecording(Store);
        Sessions.Remove(session);
        SessionsByUser.Move(session, session.Username, null);
        // Ended first, so a SUBSCRIBE still being handled for it adds nothing the loop below misses.
        var (will, shared) = session.End();
        foreach (var subscription in session.Subscriptions)
            Subscriptions.Unsubscribe(session, subscription);
        if (will is not null)
            PublishWill(will, session.ClientId);
        foreach (var held in shared)
        {
            if (Subscriptions.PickOther(held.Group!, session) is { } other)
                other.Session.Deliver(held.Message, other.QoS, held.Retain, other.SubscriptionIds, held.Group);
        }
        session.DeleteRecord();
        Cluster?.SessionEnded(session.ClientId);
    }

    /// <summary>A detached session's expiry interval has passed: end it unless its client came back.</summary>
    internal void ExpireSession(Session session)
    {
        lock (SessionsGate)
        {
            if (session.IsConnected || !Sessions.TryGet(session.ClientId, out var current) || current != session)
                return;
            Log.SessionExpired(session.ClientId);
            EndSession(session);
        }
    }

    /// <summary>
    /// Rebuilds what the store held: sessions with their subscriptions and messages, retained
    /// messages. Called once, before any client connects.
    /// </summary>
    public void Restore(StoredState state)
    {
        _lastMessageId = state.LastMessageId;
        foreach (var message in state.Retained)
            Retained.Set(message);
        RestoreSessions(state.Sessions);
    }

    /// <summary>
    /// Takes in a persistent session another node of the cluster held (it handed it over, or it
    /// died): detached, with its subscriptions, messages and clocks, as after a restart. For a
    /// while it takes each message once only, as copies may come both ways while the routes move
    /// (<see cref="Session.HandoverWindow"/>).
    /// </summary>
    public void AdoptSession(StoredSession stored)
    {
        lock (SessionsGate)
        {
            if (Sessions.TryGet(stored.ClientId, out _))
                return;
            StopRelaying(stored.ClientId);
            RestoreSessions([stored]);
            if (Sessions.TryGet(stored.ClientId, out var adopted))
                adopted.OpenHandoverWindow(stored.RecentMessageIds);
        }
    }

    /// <summary>
    /// A delivery another node relayed for <paramref name="clientId"/>: to its session here, or,
    /// if the session moved on again, on to where it went; dropped when neither is here.
    /// </summary>
    public void DeliverRelayed(string clientId, Message message, QualityOfService qos, bool retain, int[]? subscriptionIds)
    {
        if (Sessions.TryGet(clientId, out var session) || _relaying.TryGetValue(clientId, out session))
            session.Deliver(message, qos, retain, subscriptionIds);
    }

    /// <summary>
    /// Gives up the session of <paramref name="clientId"/> to another node of the cluster: its
    /// client is disconnected (MQTT 5: 0x8E Session taken over, the will as on a takeover here),
    /// then the session leaves memory, its record left in the store for the new node to load.
    /// With <paramref name="relayTo"/> a persistent session's subscriptions stay here for
    /// <see cref="RelayWindow"/>, sending what they match to that node, until every node routes
    /// there: a message on its way here while the routes move still reaches the session.
    /// </summary>
    /// <param name="resendHeld">
    /// Also relay every message the session holds: its records were refused because the new node
    /// took it already (it did not answer in time), so what it took since is only here.
    /// </param>
    /// <returns>The ids of the messages the session took lately, for the new node to take each of them once only.</returns>
    public IReadOnlyCollection<long> ReleaseSession(string clientId, string? relayTo = null, bool resendHeld = false)
    {
        while (true)
        {
            ClientConnection? connection;
            lock (SessionsGate)
            {
                if (!Sessions.TryGet(clientId, out var session))
                    return [];
                connection = session.Connection;
                if (connection is null)
                {
                    Sessions.Remove(session);
                    SessionsByUser.Move(session, session.Username, null);
                    var recent = session.RecentMessageIds();
                    if (relayTo is not null && session.IsPersistent)
                    {
                        StopRelaying(clientId);
                        _relaying[clientId] = session;
                        session.Relay(relayTo, RelayWindow, EndRelay, resendHeld);
                        return recent;
                    }
                    session.Unload();
                    RemoveSubscriptions(session);
                    return recent;
                }
            }
            connection.Close(DisconnectReason.SessionTakenOver); // outside the lock: its will is published
        }
    }

    /// <summary>How long a session given up to another node keeps relaying what reaches it here; see <see cref="ReleaseSession"/>.</summary>
    public static readonly TimeSpan RelayWindow = TimeSpan.FromSeconds(3);

    private void EndRelay(Session session)
    {
        _relaying.TryRemove(new KeyValuePair<string, Session>(session.ClientId, session));
        RemoveSubscriptions(session);
    }

    /// <summary>The session came back here: one that still relays to where it went stops now, or it would send this session's messages away.</summary>
    private void StopRelaying(string clientId)
    {
        if (_relaying.TryRemove(clientId, out var relaying))
            relaying.StopRelay();
    }

    private void RemoveSubscriptions(Session session)
    {
        foreach (var subscription in session.Subscriptions)
            Subscriptions.Unsubscribe(session, subscription);
    }

    /// <summary>
    /// Rebuilds stored sessions in three passes: a restored message finds its shared group among
    /// every session's subscriptions, and a timer already due fires at once and must find everything back.
    /// </summary>
    private void RestoreSessions(IReadOnlyList<StoredSession> stored)
    {
        var sessions = stored.Select(s => Session.Restore(this, s)).ToList();
        for (var i = 0; i < sessions.Count; i++)
        {
            Sessions.Add(sessions[i]);
            SessionsByUser.Move(sessions[i], null, sessions[i].Username);
            foreach (var (request, subscriptionId) in stored[i].Subscriptions)
            {
                var subscription = new Subscription(request, subscriptionId);
                sessions[i].RestoreSubscription(subscription);
                Subscriptions.Subscribe(sessions[i], subscription);
            }
        }
        for (var i = 0; i < sessions.Count; i++)
            sessions[i].RestoreDeliveries(stored[i]);
        for (var i = 0; i < sessions.Count; i++)
            sessions[i].StartRestoredTimers(stored[i]);
    }

    /// <summary>
    /// Gives a message its id, once: its name in the durable store, and in a cluster its name
    /// across nodes (the store starts this node's ids at a prefix of its own), by which a session
    /// moving between nodes tells a message it already has.
    /// </summary>
    public void AssignStoreId(Message message)
    {
        if (message.StoreId == 0)
            message.AssignStoreId(Interlocked.Increment(ref _lastMessageId));
    }

    internal Session CreateSession(string clientId, uint expiryInterval)
    {
        StopRelaying(clientId);
        var session = new Session(this, clientId, expiryInterval);
        Sessions.Add(session);
        return session;
    }
}

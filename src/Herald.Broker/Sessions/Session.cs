using Herald.Broker.Auth;
using Herald.Broker.Connections;
using Herald.Broker.Diagnostics;
using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Routing;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Sessions;

/// <summary>
/// The state the broker keeps for one client id (section 4.1): its subscriptions, the QoS 1/2
/// messages in flight to it or queued for it, the QoS 2 packet ids it sent that await PUBREL,
/// and a will waiting out its delay. It outlives its connection by the Session Expiry Interval
/// (MQTT 3.1.1: clean session 0 is forever, 1 is not at all).
///
/// Concurrency: publishers on any thread call <see cref="Deliver"/>, while the connection's read
/// loop handles acknowledgements and timers fire on the pool; <see cref="_gate"/> guards every
/// field below it. It is held only for this one session's bookkeeping and an enqueue, never
/// across a fan-out.
/// </summary>
public sealed partial class Session
{
    public const uint NeverExpires = uint.MaxValue;

    private readonly Broker _broker;
    private readonly DeliveryQueue _queue = new();
    private readonly object _gate; // the queue's monitor: never handed out, and a Lock of its own would cost every session 40 bytes
    private Dictionary<string, Subscription>? _subscriptions; // made at the first subscription, as _incomingQos2 at the first QoS 2 message
    private readonly InflightWindow _inflight;
    private HashSet<ushort>? _incomingQos2;
    private ClientConnection? _connection;
    private bool _dropLogged;
    private uint _expiryInterval;
    private ITimer? _expiryTimer;
    private ConnectWill? _pendingWill;
    private ITimer? _willTimer;
    private bool _ended;
    private long _sequence; // the last delivery's
    private bool _stored; // recorded in the durable store
    private AclDecisions? _acl;
    private string? _username; // of the client that last connected, for the ACL
    private Moving? _moving; // made when the session moves between nodes (see Relay, OpenHandoverWindow)

    internal Session(Broker broker, string clientId, uint expiryInterval)
    {
        _broker = broker;
        ClientId = clientId;
        _expiryInterval = expiryInterval;
        _inflight = new InflightWindow(broker.Options.MaxInflightMessages);
        _gate = _queue;
    }

    public string ClientId { get; }

    /// <summary>Seconds the session outlives its connection; <see cref="NeverExpires"/> for ever.</summary>
    public uint ExpiryInterval
    {
        get { lock (_gate) return _expiryInterval; }
        internal set
        {
            lock (_gate)
            {
                _expiryInterval = value;
                Record();
            }
        }
    }

    /// <summary>True when the session outlives its connection.</summary>
    public bool IsPersistent => ExpiryInterval > 0;

    public bool IsConnected => Connection is not null;

    /// <summary>True once the broker ended the session (clean start, expiry, takeover by a clean session).</summary>
    internal bool IsEnded
    {
        get { lock (_gate) return _ended; }
    }

    /// <summary>The connection attached to this session, if its client is online.</summary>
    public ClientConnection? Connection
    {
        get { lock (_gate) return _connection; }
    }

    /// <summary>The username its client last logged in with; kept while it is away, for the ACL and for pushes to a user.</summary>
    public string? Username
    {
        get { lock (_gate) return _username; }
    }

    public int InflightCount
    {
        get { lock (_gate) return _inflight.Count; }
    }

    public int QueuedCount
    {
        get { lock (_gate) return _queue.Count; }
    }

    public IReadOnlyList<Subscription> Subscriptions
    {
        get { lock (_gate) return _subscriptions is null ? [] : [.. _subscriptions.Values]; }
    }

    /// <summary>Incoming QoS 2 messages received and not yet released by PUBREL.</summary>
    internal int IncomingQos2Count
    {
        get { lock (_gate) return _incomingQos2?.Count ?? 0; }
    }

    /// <summary>
    /// Routes one message to this session at the lower of its QoS and the granted QoS and says
    /// what became of it. <see cref="DeliveryResult.Refused"/> only when <paramref name="refuseWhenFull"/>
    /// is set and the queue is full: the message was not taken (an MQTT 5 publisher then hears
    /// 0x97 Quota exceeded).
    /// </summary>
    public DeliveryResult Deliver(Message message, QualityOfService granted, bool retain, int[]? subscriptionIds = null, SharedGroup? group = null, bool refuseWhenFull = false)
    {
        var qos = message.QoS < granted ? message.QoS : granted;
        lock (_gate)
        {
            if (_moving?.RelayTo is { } node)
            {
                _broker.Cluster!.Relay(node, ClientId, message, qos, retain, subscriptionIds);
                return DeliveryResult.Sent;
            }
            var delivery = new QueuedMessage(message, qos, retain, subscriptionIds, group, _sequence + 1);
            if (_ended || IsHandoverCopy(message))
                return DeliveryResult.Dropped;
            // Read access is checked on every delivery, retained ones included, so a changed rule
            // holds back messages of subscriptions made before it.
            if (!AclDecisions.Allows(ref _acl, _broker.Acl, AclCheck.Receive, message.Topic, ClientId, _username))
                return DeliveryResult.Dropped;
            if (message.RemainingExpiry(_broker.Time) == 0)
            {
                Dropped(DropReason.Expired);
                return DeliveryResult.Dropped;
            }
            if (_connection is { } connection && message.PublishSize(connection.Version, qos, subscriptionIds) > connection.ClientMaximumPacketSize)
            {
                Dropped(DropReason.PacketTooLarge); // [MQTT-3.1.2-25]
                return DeliveryResult.Dropped;
            }
            if (qos == QualityOfService.AtMostOnce)
            {
                // QoS 0 is not queued for an offline client, as Mosquitto by default.
                if (_connection is null)
                    return DeliveryResult.Dropped;
                if (_connection.TrySendBounded(OutboundPacket.Publish(delivery, 0, dup: false)))
                    return DeliveryResult.Sent;
                Dropped(DropReason.OutboundQueueFull);
                return DeliveryResult.Dropped;
            }
            if (IsSendable && _queue.Count == 0 && _inflight.HasRoom)
            {
                _sequence++;
                Send(delivery, recorded: false);
                return DeliveryResult.Sent;
            }
            if (!HasQueueRoom(message.Size))
            {
                if (refuseWhenFull)
                    return DeliveryResult.Refused;
                // MQTT 3.1.1 has no way to refuse: make room by dropping the oldest.
                while (!HasQueueRoom(message.Size) && _queue.TryDequeue(out var oldest))
                {
                    Forget(oldest);
                    Dropped(DropReason.SessionQueueFull);
                }
                if (!HasQueueRoom(message.Size))
                {
                    Dropped(DropReason.SessionQueueFull); // larger than the whole byte bound
                    return DeliveryResult.Dropped;
                }
            }
            _sequence++;
            Journal?.AddDelivery(ClientId, JournaledMessage(delivery), 0, default);
            _queue.Enqueue(delivery);
            return _connection is null ? DeliveryResult.Queued : DeliveryResult.Sent;
        }
    }

    /// <summary>Whether a message of <paramref name="size"/> bytes fits both bounds of the queue.</summary>
    private bool HasQueueRoom(int size) =>
        _queue.Count < _broker.Options.MaxQueuedMessages && _queue.Bytes + size <= _broker.Options.MaxQueuedBytes;

    /// <summary>
    /// Drops the queued messages whose Message Expiry has passed [MQTT-3.3.2-5], so a client that
    /// stays away does not keep them on disk; run in the background by the broker.
    /// </summary>
    internal void PurgeExpired()
    {
        lock (_gate)
        {
            if (_queue.Count == 0)
                return;
            foreach (var expired in _queue.RemoveWhere(d => d.Message.RemainingExpiry(_broker.Time) == 0))
            {
                Forget(expired);
                Dropped(DropReason.Expired);
            }
        }
    }

    /// <summary>Adds or replaces the subscription with this filter; returns the one it replaced.</summary>
    internal Subscription? SetSubscription(Subscription subscription)
    {
        lock (_gate)
        {
            if (_ended)
                return null;
            var subscriptions = _subscriptions ??= new(StringComparer.Ordinal);
            subscriptions.Remove(subscription.Filter, out var previous);
            subscriptions.Add(subscription.Filter, subscription);
            Journal?.SaveSubscription(ClientId, subscription);
            return previous;
        }
    }

    internal void RestoreSubscription(Subscription subscription)
    {
        lock (_gate)
            (_subscriptions ??= new(StringComparer.Ordinal))[subscription.Filter] = subscription;
    }

    internal Subscription? RemoveSubscription(string filter)
    {
        lock (_gate)
        {
            if (_subscriptions is null || !_subscriptions.Remove(filter, out var removed))
                return null;
            Journal?.DeleteSubscription(ClientId, filter);
            return removed;
        }
    }

    /// <summary>
    /// Attaches a connection whose CONNACK is already queued. A resumed session first re-sends its
    /// unacknowledged PUBLISH packets with DUP set and its PUBREL packets, in their original order
    /// [MQTT-4.4.0-1], then its queued messages; deliveries wait on the lock until that is done.
    /// A will still waiting out its delay is cancelled [MQTT-3.1.3-9].
    /// </summary>
    internal void Attach(ClientConnection connection)
    {
        lock (_gate)
        {
            _connection = connection;
            if (_username != connection.Username)
            {
                _broker.SessionsByUser.Move(this, _username, connection.Username);
                _username = connection.Username;
                Journal?.SaveSession(ClientId, _expiryInterval, _username);
            }
            _dropLogged = false;
            _inflight.Capacity = Math.Min(_broker.Options.MaxInflightMessages, connection.ClientReceiveMaximum);
            CancelTimers();
            if (_pendingWill is not null)
                Journal?.SaveWill(ClientId, null, default);
            _pendingWill = null;
            Journal?.SaveDisconnected(ClientId, null);
            // [MQTT-4.9.0-2] the send quota starts afresh: re-send no more PUBLISH packets than the
            // new connection's Receive Maximum allows; the rest wait for acknowledgements.
            var sent = 0;
            foreach (var (packetId, entry) in _inflight.Entries.ToList())
            {
                // Behind the store like the first sends: a PUBREL whose state is not yet durable
                // would, after a crash, be followed by the PUBLISH again.
                if (entry.State == InflightState.AwaitingPubComp)
                {
                    SendWhenDurable(connection, OutboundPacket.Ack(PacketType.PubRel, packetId));
                    sent++;
                }
                else if (sent < _inflight.Capacity)
                {
                    SendWhenDurable(connection, OutboundPacket.Publish(entry.Delivery, packetId, dup: true));
                    sent++;
                }
                else
                {
                    _inflight.Update(packetId, entry with { Unsent = true });
                }
            }
            SendQueued();
        }
    }

    /// <summary>
    /// Detaches the connection if it is still this session's; false after a takeover. A lasting
    /// session starts counting down its expiry, and its will its delay.
    /// </summary>
    internal bool Detach(ClientConnection connection, ConnectWill? delayedWill, uint willDelay)
    {
        lock (_gate)
        {
            if (_connection != connection)
                return false;
            _connection = null;
            if (_expiryInterval == 0)
                return true;
            var now = _broker.Time.GetUtcNow();
            Journal?.SaveDisconnected(ClientId, now);
            if (_expiryInterval != NeverExpires)
                StartExpiry(TimeSpan.FromSeconds(_expiryInterval));
            if (delayedWill is not null)
            {
                Journal?.SaveWill(ClientId, delayedWill, now.AddSeconds(willDelay));
                DelayWill(delayedWill, TimeSpan.FromSeconds(willDelay));
            }
            return true;
        }
    }

    /// <summary>
    /// Marks the session ended and hands back what must not be lost with it: its pending will and
    /// the messages it held for shared subscriptions, for the broker to publish and re-route.
    /// </summary>
    internal (ConnectWill? Will, List<QueuedMessage> Shared) End()
    {
        lock (_gate)
        {
            _ended = true;
            CancelTimers();
            var will = _pendingWill;
            _pendingWill = null;
            var shared = new List<QueuedMessage>();
            foreach (var (_, entry) in _inflight.Entries)
            {
                // [MQTT-4.8.2-5] a QoS 2 message already sent must not go to another member.
                if (entry.Delivery.Group is not null && entry.Delivery.QoS == QualityOfService.AtLeastOnce)
                    shared.Add(entry.Delivery);
            }
            foreach (var queued in _queue)
            {
                if (queued.Group is not null)
                    shared.Add(queued);
            }
            _inflight.Clear();
            _queue.Clear();
            return (will, shared);
        }
    }

    /// <summary>
    /// The session moves to another node of the cluster: it takes and records nothing more here,
    /// and its record stays in the shared store for that node to load.
    /// </summary>
    internal void Unload()
    {
        lock (_gate)
        {
            _ended = true;
            CancelTimers();
            _pendingWill = null;
            _inflight.Clear();
            _queue.Clear();
        }
    }

    /// <summary>
    /// The session moved to <paramref name="node"/>: for <paramref name="window"/> whatever is
    /// routed to it here is relayed there, then <paramref name="done"/> removes its subscriptions.
    /// Nothing is recorded here any more.
    /// </summary>
    /// <param name="resendHeld">First relay every message queued or in flight here (the new node takes each once).</param>
    internal void Relay(string node, TimeSpan window, Action<Session> done, bool resendHeld = false)
    {
        lock (_gate)
        {
            if (resendHeld)
            {
                foreach (var (_, entry) in _inflight.Entries)
                    _broker.Cluster!.Relay(node, ClientId, entry.Delivery.Message, entry.Delivery.QoS, entry.Delivery.Retain, entry.Delivery.SubscriptionIds);
                foreach (var queued in _queue)
                    _broker.Cluster!.Relay(node, ClientId, queued.Message, queued.QoS, queued.Retain, queued.SubscriptionIds);
            }
            Unload();
            var moving = _moving ??= new Moving();
            moving.RelayTo = node;
            moving.RelayDone = done;
            moving.RelayTimer = _broker.Time.CreateTimer(static s => ((Session)s!).StopRelay(), this, window, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Ends the relay (its window passed, or the session came back): its subscriptions go.</summary>
    internal void StopRelay()
    {
        Action<Session>? done = null;
        lock (_gate)
        {
            if (_moving is { } moving)
            {
                moving.RelayTo = null;
                moving.RelayTimer?.Dispose();
                done = moving.RelayDone;
                moving.RelayDone = null;
            }
        }
        done?.Invoke(this);
    }

    /// <summary>The ids of messages queued, in flight, or taken during the handover window: what a new node must not take again.</summary>
    internal IReadOnlyCollection<long> RecentMessageIds()
    {
        lock (_gate)
        {
            var ids = new HashSet<long>(_moving?.HandoverSeen ?? []);
            foreach (var queued in _queue)
                ids.Add(queued.Message.StoreId);
            foreach (var (_, entry) in _inflight.Entries)
                ids.Add(entry.Delivery.Message.StoreId);
            ids.Remove(0);
            return ids;
        }
    }

    /// <summary>
    /// How long a session that came from another node takes each message (by its id) once only:
    /// while routes move, a message may come both straight and relayed by the node it left.
    /// </summary>
    public static readonly TimeSpan HandoverWindow = TimeSpan.FromSeconds(10);

    /// <summary>The most message ids a handover window keeps; past it, copies are no longer told apart.</summary>
    private const int HandoverIds = 100_000;

    /// <param name="recent">Ids the node it came from had taken lately; with those of its restored messages, taken already.</param>
    internal void OpenHandoverWindow(IReadOnlyCollection<long>? recent)
    {
        lock (_gate)
        {
            HashSet<long> seen = [.. recent ?? []];
            foreach (var queued in _queue)
                seen.Add(queued.Message.StoreId);
            foreach (var (_, entry) in _inflight.Entries)
                seen.Add(entry.Delivery.Message.StoreId);
            seen.Remove(0);
            var moving = _moving ??= new Moving();
            moving.HandoverSeen = seen;
            moving.HandoverStarted = _broker.Time.GetTimestamp();
        }
    }

    /// <summary>True for a second copy of a message during the handover window. Under <see cref="_gate"/>.</summary>
    private bool IsHandoverCopy(Message message)
    {
        if (_moving is not { HandoverSeen: { } seen } moving || message.StoreId == 0)
            return false;
        if (_broker.Time.GetElapsedTime(moving.HandoverStarted) > HandoverWindow)
        {
            moving.HandoverSeen = null;
            return false;
        }
        return seen.Count < HandoverIds && !seen.Add(message.StoreId);
    }

    private void Expire() => _broker.ExpireSession(this);

    private void PublishPendingWill()
    {
        // The will is published and its record deleted in one commit.
        using var atomic = new AtomicRecording(_broker.Store);
        ConnectWill? will;
        lock (_gate)
        {
            will = _pendingWill;
            _pendingWill = null;
            if (will is not null)
                Journal?.SaveWill(ClientId, null, default);
        }
        if (will is not null)
            _broker.PublishWill(will, ClientId);
    }

    private void CancelTimers()
    {
        _expiryTimer?.Dispose();
        _expiryTimer = null;
        _willTimer?.Dispose();
        _willTimer = null;
    }

    private void Dropped(DropReason reason)
    {
        _broker.Metrics.MessageDropped(reason);
        if (_dropLogged)
            return;
        _dropLogged = true;
        _broker.Log.MessagesDropped(ClientId, reason);
    }

    /// <summary>What a session moving between nodes keeps, apart so a session that stays has none. Under <see cref="_gate"/>.</summary>
    private sealed class Moving
    {
        /// <summary>The node this session moved to, while it relays there.</summary>
        public string? RelayTo { get; set; }

        public ITimer? RelayTimer { get; set; }

        public Action<Session>? RelayDone { get; set; }

        /// <summary>Ids of messages taken while copies may come twice.</summary>
        public HashSet<long>? HandoverSeen { get; set; }

        public long HandoverStarted { get; set; }
    }
}

using Herald.Broker.Connections;
using Herald.Broker.Diagnostics;
using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Broker.Sessions;

/// <summary>
/// The state the broker keeps for one client id (section 4.1): its subscriptions, the QoS 1/2
/// messages in flight to it or queued for it, and the QoS 2 packet ids it sent that await PUBREL.
/// A persistent session (clean session 0) outlives its connection; a clean one ends with it.
///
/// Concurrency: publishers on any thread call <see cref="Deliver"/>, while the connection's read
/// loop handles acknowledgements; <see cref="_gate"/> guards every field below it. It is held only
/// for this one session's bookkeeping and an enqueue, never across a fan-out.
/// </summary>
public sealed class Session
{
    private readonly Broker _broker;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, QualityOfService> _subscriptions = new(StringComparer.Ordinal);
    private readonly InflightWindow _inflight;
    private readonly Queue<QueuedMessage> _queue = new();
    private readonly HashSet<ushort> _incomingQos2 = [];
    private ClientConnection? _connection;
    private bool _dropLogged;

    internal Session(Broker broker, string clientId, bool persistent)
    {
        _broker = broker;
        ClientId = clientId;
        IsPersistent = persistent;
        _inflight = new InflightWindow(broker.Options.MaxInflightMessages);
    }

    public string ClientId { get; }

    /// <summary>Clean session 0: the session outlives its connection.</summary>
    public bool IsPersistent { get; }

    public bool IsConnected => Connection is not null;

    /// <summary>The connection attached to this session, if its client is online.</summary>
    public ClientConnection? Connection
    {
        get { lock (_gate) return _connection; }
    }

    public int InflightCount
    {
        get { lock (_gate) return _inflight.Count; }
    }

    public int QueuedCount
    {
        get { lock (_gate) return _queue.Count; }
    }

    public IReadOnlyList<KeyValuePair<string, QualityOfService>> Subscriptions
    {
        get { lock (_gate) return [.. _subscriptions]; }
    }

    /// <summary>Routes one message to this session at the lower of its QoS and the granted QoS.</summary>
    public void Deliver(Message message, QualityOfService granted, bool retain)
    {
        var qos = message.QoS < granted ? message.QoS : granted;
        lock (_gate)
        {
            if (qos == QualityOfService.AtMostOnce)
            {
                // QoS 0 is not queued for an offline client, as Mosquitto by default.
                if (_connection is not null && !_connection.TrySendBounded(OutboundPacket.Publish(message, qos, 0, dup: false, retain)))
                    Dropped(DropReason.OutboundQueueFull);
                return;
            }
            if (IsSendable && _queue.Count == 0 && _inflight.HasRoom)
            {
                Send(new QueuedMessage(message, qos, retain));
                return;
            }
            if (_queue.Count >= _broker.Options.MaxQueuedMessages)
            {
                _queue.Dequeue();
                Dropped(DropReason.SessionQueueFull);
            }
            _queue.Enqueue(new QueuedMessage(message, qos, retain));
        }
    }

    internal void SetSubscription(string filter, QualityOfService qos)
    {
        lock (_gate)
            _subscriptions[filter] = qos;
    }

    internal bool RemoveSubscription(string filter)
    {
        lock (_gate)
            return _subscriptions.Remove(filter);
    }

    /// <summary>Detaches the connection if it is still this session's; false after a takeover.</summary>
    internal bool Detach(ClientConnection connection)
    {
        lock (_gate)
        {
            if (_connection != connection)
                return false;
            _connection = null;
            return true;
        }
    }

    /// <summary>
    /// Attaches a connection whose CONNACK is already queued. A resumed session first re-sends its
    /// unacknowledged PUBLISH packets with DUP set and its PUBREL packets, in their original order
    /// [MQTT-4.4.0-1], then its queued messages; deliveries wait on the lock until that is done.
    /// </summary>
    internal void Attach(ClientConnection connection)
    {
        lock (_gate)
        {
            _connection = connection;
            _dropLogged = false;
            foreach (var (packetId, entry) in _inflight.Entries)
            {
                connection.TrySend(entry.State == InflightState.AwaitingPubComp
                    ? OutboundPacket.Ack(PacketType.PubRel, packetId)
                    : OutboundPacket.Publish(entry.Message, entry.QoS, packetId, dup: true, entry.Retain));
            }
            SendQueued();
        }
    }

    internal void OnPubAck(ushort packetId)
    {
        lock (_gate)
        {
            if (_inflight.TryGet(packetId, out var entry) && entry.State == InflightState.AwaitingPubAck)
            {
                _inflight.Remove(packetId);
                SendQueued();
            }
        }
    }

    /// <summary>PUBREC: the receiver owns the message now; answer PUBREL [MQTT-4.3.3-1].</summary>
    internal void OnPubRec(ushort packetId)
    {
        lock (_gate)
        {
            if (_inflight.TryGet(packetId, out var entry) && entry.State == InflightState.AwaitingPubRec)
                _inflight.Update(packetId, entry with { State = InflightState.AwaitingPubComp });
            _connection?.TrySend(OutboundPacket.Ack(PacketType.PubRel, packetId));
        }
    }

    internal void OnPubComp(ushort packetId)
    {
        lock (_gate)
        {
            if (_inflight.TryGet(packetId, out var entry) && entry.State == InflightState.AwaitingPubComp)
            {
                _inflight.Remove(packetId);
                SendQueued();
            }
        }
    }

    /// <summary>
    /// Records an incoming QoS 2 packet id until its PUBREL. False when it is already recorded: the
    /// publisher re-sent the PUBLISH, which must not be delivered again [MQTT-4.3.3-2].
    /// </summary>
    internal bool BeginIncomingQos2(ushort packetId)
    {
        lock (_gate)
            return _incomingQos2.Add(packetId);
    }

    internal void EndIncomingQos2(ushort packetId)
    {
        lock (_gate)
            _incomingQos2.Remove(packetId);
    }

    private void SendQueued()
    {
        while (IsSendable && _inflight.HasRoom && _queue.TryDequeue(out var queued))
            Send(queued);
    }

    /// <summary>
    /// A connection that closed but is not detached yet gets nothing new: messages stay queued and
    /// go out without DUP on reconnect, instead of sitting in flight as if sent.
    /// </summary>
    private bool IsSendable => _connection is { IsClosed: false };

    private void Send(QueuedMessage queued)
    {
        var packetId = _inflight.Add(queued.Message, queued.QoS, queued.Retain);
        // A closed connection refuses the packet; it stays in flight and is re-sent on reconnect.
        _connection!.TrySend(OutboundPacket.Publish(queued.Message, queued.QoS, packetId, dup: false, queued.Retain));
    }

    private void Dropped(DropReason reason)
    {
        _broker.Metrics.MessageDropped(reason);
        if (_dropLogged)
            return;
        _dropLogged = true;
        _broker.Log.MessagesDropped(ClientId, reason);
    }
}

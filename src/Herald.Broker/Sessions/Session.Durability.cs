using Herald.Broker.Connections;
using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Sessions;

/// <summary>
/// How a session reaches the durable store: only a persistent session is recorded, every change
/// under <see cref="_gate"/> so the store sees them in order, and a session is rebuilt from what
/// was stored when the server starts again.
/// </summary>
public sealed partial class Session
{
    /// <summary>
    /// The store to record changes in, when there is one and this session outlives its connection.
    /// None once ended: a handler still running on its old connection must not write under a
    /// client id that a new session may own by now.
    /// </summary>
    private IDurableStore? Journal => _expiryInterval > 0 && !_ended ? _broker.Store : null;

    /// <summary>
    /// Rebuilds a stored session, detached, for <see cref="Broker.Restore"/>, which then gives it
    /// back its subscriptions, its messages (<see cref="RestoreDeliveries"/>) and its clocks
    /// (<see cref="StartRestoredTimers"/>).
    /// </summary>
    internal static Session Restore(Broker broker, StoredSession stored)
    {
        var session = new Session(broker, stored.ClientId, stored.ExpiryInterval) { _stored = true, _username = stored.Username };
        foreach (var packetId in stored.IncomingQos2)
            (session._incomingQos2 ??= []).Add(packetId);
        return session;
    }

    /// <summary>Queued and in-flight messages, in their order; a shared one finds its group among the restored subscriptions.</summary>
    internal void RestoreDeliveries(StoredSession stored)
    {
        lock (_gate)
        {
            foreach (var delivery in stored.Deliveries)
            {
                var group = delivery.SharedFilter is { } shared && TopicRules.TrySplitShared(shared, out var name, out var filter)
                    ? _broker.Subscriptions.FindGroup(name, filter)
                    : null;
                var queued = new QueuedMessage(delivery.Message, delivery.QoS, delivery.Retain, delivery.SubscriptionIds, group, delivery.Sequence);
                if (delivery.PacketId == 0)
                    _queue.Enqueue(queued);
                else
                    _inflight.Restore(delivery.PacketId, new InflightMessage(queued, delivery.State));
                _sequence = Math.Max(_sequence, delivery.Sequence);
            }
        }
    }

    /// <summary>
    /// Starts the expiry and the delayed will of a restored session, counting from when its client
    /// left (from now if it was still connected when the server stopped). Only once every session
    /// and subscription is back: one already due fires at once, and must find them.
    /// </summary>
    internal void StartRestoredTimers(StoredSession stored)
    {
        lock (_gate)
        {
            var now = _broker.Time.GetUtcNow();
            var away = now - (stored.DisconnectedAt ?? now);
            if (stored.ExpiryInterval != NeverExpires)
                StartExpiry(TimeSpan.FromSeconds(stored.ExpiryInterval) - away);
            if (stored.Will is { } will)
                DelayWill(will.Will, will.DueAt - now);
        }
    }

    /// <summary>Deletes the stored session once it ended and what it held was handed on; see <see cref="Broker.EndSession"/>.</summary>
    internal void DeleteRecord()
    {
        lock (_gate)
        {
            if (_stored)
                _broker.Store!.DeleteSession(ClientId);
            _stored = false;
        }
    }

    /// <summary>Records the session, or deletes its record once it no longer outlives its connection.</summary>
    private void Record()
    {
        if (_broker.Store is not { } store)
            return;
        if (_expiryInterval > 0)
        {
            store.SaveSession(ClientId, _expiryInterval, _username);
            _stored = true;
        }
        else if (_stored)
        {
            store.DeleteSession(ClientId);
            _stored = false;
        }
    }

    /// <summary>The delivery with its message given a store id, for <see cref="IDurableStore.AddDelivery"/>.</summary>
    private QueuedMessage JournaledMessage(in QueuedMessage delivery)
    {
        _broker.AssignStoreId(delivery.Message);
        return delivery;
    }

    /// <summary>A delivery left the session (acknowledged, dropped or expired): the store forgets it too.</summary>
    private void Forget(in QueuedMessage delivery) => Journal?.RemoveDelivery(ClientId, delivery.Sequence, delivery.Message);

    /// <summary>Sends once everything recorded so far is durable; at once when nothing is recorded.</summary>
    private void SendWhenDurable(ClientConnection connection, in OutboundPacket packet) =>
        connection.SendInOrder(packet, afterCommit: Journal is not null);

    private void StartExpiry(TimeSpan after) =>
        _expiryTimer = _broker.Time.CreateTimer(static s => ((Session)s!).Expire(), this, after < TimeSpan.Zero ? TimeSpan.Zero : after, Timeout.InfiniteTimeSpan);

    /// <summary>[MQTT-3.1.3-9] the will goes at the delay or when the session ends, whichever is first.</summary>
    private void DelayWill(ConnectWill will, TimeSpan after)
    {
        _pendingWill = will;
        _willTimer = _broker.Time.CreateTimer(static s => ((Session)s!).PublishPendingWill(), this, after < TimeSpan.Zero ? TimeSpan.Zero : after, Timeout.InfiniteTimeSpan);
    }
}

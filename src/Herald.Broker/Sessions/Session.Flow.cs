using Herald.Broker.Auth;
using Herald.Broker.Connections;
using Herald.Protocol;

namespace Herald.Broker.Sessions;

/// <summary>The QoS 1/2 flows of a session (section 4.3): sending, acknowledgements, QoS 2 receipt.</summary>
public sealed partial class Session
{
    /// <summary>
    /// A connection that closed but is not detached yet gets nothing new: messages stay queued and
    /// go out without DUP on reconnect, instead of sitting in flight as if sent.
    /// </summary>
    private bool IsSendable => _connection is { IsClosed: false };

    internal void OnPubAck(ushort packetId)
    {
        lock (_gate)
        {
            if (_inflight.TryGet(packetId, out var entry) && entry.State == InflightState.AwaitingPubAck)
            {
                _inflight.Remove(packetId);
                Forget(entry.Delivery);
                SendQueued();
            }
        }
    }

    /// <summary>
    /// PUBREC: the receiver owns the message now; answer PUBREL [MQTT-4.3.3-1]. An MQTT 5 PUBREC
    /// with an error reason (0x80 and above) ends the flow instead, with no PUBREL (section 4.3.3).
    /// An unknown packet id gets PUBREL 0x92 Packet Identifier not found (3.1.1 clients see a plain PUBREL).
    /// </summary>
    internal void OnPubRec(ushort packetId, ReasonCode reason)
    {
        lock (_gate)
        {
            var known = _inflight.TryGet(packetId, out var entry);
            if (reason >= ReasonCode.UnspecifiedError)
            {
                if (known)
                {
                    _inflight.Remove(packetId);
                    Forget(entry.Delivery);
                    SendQueued();
                }
                return;
            }
            if (known && entry.State == InflightState.AwaitingPubRec)
            {
                _inflight.Update(packetId, entry with { State = InflightState.AwaitingPubComp });
                Journal?.SaveDeliveryState(ClientId, entry.Delivery.Sequence, packetId, InflightState.AwaitingPubComp);
            }
            // PUBREL only once the store knows: after a crash the PUBLISH must not be sent again [MQTT-4.3.3-1].
            if (_connection is { } connection)
            {
                SendWhenDurable(connection, known
                    ? OutboundPacket.Ack(PacketType.PubRel, packetId)
                    : OutboundPacket.Ack(PacketType.PubRel, packetId, ReasonCode.PacketIdentifierNotFound));
            }
        }
    }

    internal void OnPubComp(ushort packetId)
    {
        lock (_gate)
        {
            if (_inflight.TryGet(packetId, out var entry) && entry.State == InflightState.AwaitingPubComp)
            {
                _inflight.Remove(packetId);
                Forget(entry.Delivery);
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
        {
            if (!(_incomingQos2 ??= []).Add(packetId))
                return false;
            Journal?.AddIncomingQos2(ClientId, packetId);
            return true;
        }
    }

    /// <summary>Releases an incoming QoS 2 packet id; false when it was not awaiting PUBREL.</summary>
    internal bool EndIncomingQos2(ushort packetId)
    {
        lock (_gate)
        {
            if (_incomingQos2 is null || !_incomingQos2.Remove(packetId))
                return false;
            Journal?.RemoveIncomingQos2(ClientId, packetId);
            return true;
        }
    }

    private void SendQueued()
    {
        while (IsSendable && _inflight.SentCount < _inflight.Capacity && _inflight.TryGetUnsent(out var packetId, out var unsent))
        {
            _inflight.Update(packetId, unsent with { Unsent = false });
            SendWhenDurable(_connection!, OutboundPacket.Publish(unsent.Delivery, packetId, dup: true));
        }
        while (IsSendable && _inflight.HasRoom && _queue.TryDequeue(out var queued))
        {
            if (queued.Message.RemainingExpiry(_broker.Time) == 0)
            {
                Forget(queued);
                Dropped(DropReason.Expired); // [MQTT-3.3.2-5]
                continue;
            }
            if (queued.Message.PublishSize(_connection!.Version, queued.QoS, queued.SubscriptionIds) > _connection.ClientMaximumPacketSize)
            {
                Forget(queued);
                Dropped(DropReason.PacketTooLarge); // [MQTT-3.1.2-25]
                continue;
            }
            // Checked again on the way out, as Mosquitto does on reconnect: queued while the client
            // was away, it may no longer be readable to it.
            if (!AclDecisions.Allows(ref _acl, _broker.Acl, AclCheck.Receive, queued.Message.Topic, ClientId, _username))
            {
                Forget(queued);
                Dropped(DropReason.NotAuthorized);
                continue;
            }
            Send(queued, recorded: true);
        }
    }

    /// <summary>Puts a delivery in flight; <paramref name="recorded"/> when the store has it queued already.</summary>
    private void Send(QueuedMessage delivery, bool recorded)
    {
        var packetId = _inflight.Add(delivery);
        var state = delivery.QoS == QualityOfService.AtLeastOnce ? InflightState.AwaitingPubAck : InflightState.AwaitingPubRec;
        if (recorded)
            Journal?.SaveDeliveryState(ClientId, delivery.Sequence, packetId, state);
        else
            Journal?.AddDelivery(ClientId, JournaledMessage(delivery), packetId, state);
        // The PUBLISH waits for the store to know it was sent: re-sent after a crash, it must carry
        // DUP and its packet id [MQTT-3.3.1-1] [MQTT-4.4.0-1], or a QoS 2 message would arrive twice.
        // A closed connection refuses the packet; it stays in flight and is re-sent on reconnect.
        SendWhenDurable(_connection!, OutboundPacket.Publish(delivery, packetId, dup: false));
    }
}

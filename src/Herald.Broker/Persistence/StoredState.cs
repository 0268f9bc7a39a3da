using Herald.Broker.Messages;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Persistence;

/// <summary>Everything a store held at startup, for <see cref="Broker.Restore"/>.</summary>
public sealed record StoredState(IReadOnlyList<StoredSession> Sessions, IReadOnlyList<Message> Retained, long LastMessageId);

/// <summary>One persistent session as stored; deliveries in the order they were first queued.</summary>
public sealed record StoredSession(
    string ClientId,
    uint ExpiryInterval,
    string? Username,
    DateTimeOffset? DisconnectedAt,
    IReadOnlyList<(TopicSubscription Request, int? SubscriptionId)> Subscriptions,
    IReadOnlyList<StoredDelivery> Deliveries,
    IReadOnlyList<ushort> IncomingQos2,
    StoredWill? Will)
{
    /// <summary>In a cluster, the ids of messages the session took lately on the node it left (see <see cref="Broker.ReleaseSession"/>).</summary>
    public IReadOnlyCollection<long>? RecentMessageIds { get; init; }
}

/// <summary>
/// A queued delivery (packet id 0) or one in flight awaiting <see cref="State"/>'s acknowledgement;
/// <see cref="SharedFilter"/> is the <c>$share/{name}/{filter}</c> it came through, if any.
/// </summary>
public sealed record StoredDelivery(
    long Sequence, Message Message, QualityOfService QoS, bool Retain, int[]? SubscriptionIds, ushort PacketId, InflightState State, string? SharedFilter);

public sealed record StoredWill(ConnectWill Will, DateTimeOffset DueAt);

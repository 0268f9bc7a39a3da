using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Protocol;

namespace Herald.Broker.Sessions;

/// <summary>
/// A QoS 1/2 message waiting for room in the in-flight window or for its client to come back,
/// with the per-delivery fields it will be sent with and the shared group it came through.
/// <see cref="Sequence"/> orders a session's deliveries and names them in the durable store.
/// </summary>
public readonly record struct QueuedMessage(Message Message, QualityOfService QoS, bool Retain, int[]? SubscriptionIds = null, SharedGroup? Group = null, long Sequence = 0);

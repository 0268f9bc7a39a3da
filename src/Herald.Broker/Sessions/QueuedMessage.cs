using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Protocol;

namespace Herald.Broker.Sessions;

/// <summary>
/// A QoS 1/2 message waiting for room in the in-flight window or for its client to come back,
/// with the per-delivery fields it will be sent with and the shared group it came through.
/// </summary>
public readonly record struct QueuedMessage(Message Message, QualityOfService QoS, bool Retain, int[]? SubscriptionIds = null, SharedGroup? Group = null);

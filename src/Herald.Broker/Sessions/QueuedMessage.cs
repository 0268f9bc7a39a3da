using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Broker.Sessions;

/// <summary>A QoS 1/2 message waiting for room in the in-flight window or for its client to come back.</summary>
public readonly record struct QueuedMessage(Message Message, QualityOfService QoS, bool Retain);

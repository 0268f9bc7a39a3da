using Herald.Broker.Messages;

namespace Herald.Broker.Sessions;

/// <summary>
/// An outgoing message in flight: how it is sent, where its flow stands, and whether it still
/// waits to be re-sent on this connection (a reconnecting client may allow fewer in flight).
/// </summary>
public readonly record struct InflightMessage(QueuedMessage Delivery, InflightState State, bool Unsent = false);

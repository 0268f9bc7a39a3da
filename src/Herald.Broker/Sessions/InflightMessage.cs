using Herald.Broker.Messages;

namespace Herald.Broker.Sessions;

/// <summary>An outgoing message sent and not yet acknowledged, how it was sent, and where its flow stands.</summary>
public readonly record struct InflightMessage(QueuedMessage Delivery, InflightState State);

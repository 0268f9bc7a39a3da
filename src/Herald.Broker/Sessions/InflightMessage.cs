using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Broker.Sessions;

/// <summary>An outgoing message sent and not yet acknowledged, and the flags it was sent with.</summary>
public readonly record struct InflightMessage(Message Message, QualityOfService QoS, bool Retain, InflightState State);

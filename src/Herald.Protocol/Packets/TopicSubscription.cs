namespace Herald.Protocol.Packets;

/// <summary>One topic filter of a SUBSCRIBE and the maximum QoS asked for it.</summary>
public readonly record struct TopicSubscription(string Filter, QualityOfService QoS);

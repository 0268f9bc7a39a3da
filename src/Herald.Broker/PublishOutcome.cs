namespace Herald.Broker;

/// <summary>What routing one message did: how many sessions took it, and whether any refused it for a full queue.</summary>
public readonly record struct PublishOutcome(int Deliveries, bool QuotaExceeded);

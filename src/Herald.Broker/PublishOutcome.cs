namespace Herald.Broker;

/// <summary>
/// What routing one message did: how many sessions it matched, how many of those have it on its
/// way to a connected client and how many keep it for a client that is away, and whether any
/// refused it for a full queue; and to how many other nodes of the cluster it went (counted in
/// <see cref="Deliveries"/> too, their own deliveries being theirs to count).
/// </summary>
public readonly record struct PublishOutcome(int Deliveries, int Sent, int Queued, bool QuotaExceeded, int Forwarded = 0);

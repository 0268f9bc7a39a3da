namespace Herald.Broker.Sessions;

/// <summary>What one session did with a message routed to it.</summary>
public enum DeliveryResult
{
    /// <summary>Its client is connected: the message is on its way (sent, or waiting for room in the in-flight window).</summary>
    Sent,

    /// <summary>Its client is away: the session keeps the message until it reconnects.</summary>
    Queued,

    /// <summary>Not delivered: not allowed, expired, too large, QoS 0 to an absent client, a full queue, or an ended session.</summary>
    Dropped,

    /// <summary>The queue was full and the caller asked to refuse rather than drop the oldest.</summary>
    Refused,
}

using Herald.Protocol;

namespace Herald.Broker.Inbox;

/// <summary>One message pushed to a user, as its inbox keeps it; <see cref="Id"/> grows with every message kept.</summary>
public sealed record InboxMessage(
    long Id,
    DateTimeOffset At,
    string Topic,
    byte[] Payload,
    QualityOfService Qos,
    uint? MessageExpiryInterval,
    string? ContentType,
    string? ResponseTopic,
    byte[]? CorrelationData,
    IReadOnlyList<UserProperty> UserProperties)
{
    /// <summary>True once its Message Expiry Interval has passed: an app must not be handed it any more.</summary>
    public bool IsExpired(DateTimeOffset now) => MessageExpiryInterval is { } expiry && At.AddSeconds(expiry) <= now;
}

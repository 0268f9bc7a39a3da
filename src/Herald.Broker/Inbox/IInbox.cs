namespace Herald.Broker.Inbox;

/// <summary>
/// The recent messages pushed to each user, so an app woken by a platform notification (APNs,
/// FCM) fetches what it missed. Bounded: at most a number of messages per user, for at most a
/// retention time; the oldest go first. Time is the caller's (the server's clock), never the inbox's own.
/// </summary>
public interface IInbox
{
    /// <summary>
    /// Keeps <paramref name="message"/> (its <see cref="InboxMessage.Id"/> ignored, its
    /// <see cref="InboxMessage.At"/> the time it was pushed) for the user; returns it with the id it got.
    /// </summary>
    Task<InboxMessage> AddAsync(string user, InboxMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// The user's messages with an id above <paramref name="afterId"/> kept at or after
    /// <paramref name="notBefore"/>, oldest first, at most <paramref name="limit"/>; those past the
    /// retention or their Message Expiry at <paramref name="now"/> left out.
    /// </summary>
    Task<IReadOnlyList<InboxMessage>> ReadAsync(string user, long afterId, DateTimeOffset notBefore, int limit, DateTimeOffset now, CancellationToken cancellationToken);
}

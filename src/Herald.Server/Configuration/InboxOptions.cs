namespace Herald.Server.Configuration;

/// <summary><c>Herald:Inbox</c>: the history of pushes to each user, read by <c>GET /api/v1/users/{user}/messages</c>.</summary>
public sealed class InboxOptions
{
    /// <summary>Messages kept per user, the oldest dropped first; 0 keeps none.</summary>
    public int MaxMessages { get; set; } = 100;

    /// <summary>How long a message stays, in seconds (7 days by default).</summary>
    public int RetentionSeconds { get; set; } = 7 * 86_400;
}

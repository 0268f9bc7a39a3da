using System.Globalization;
using Herald.Broker.Inbox;

namespace Herald.Server.Api;

/// <summary>
/// <c>GET /api/v1/users/{user}/messages</c> (read scope): the recent pushes to a user, for an app
/// that a platform notification woke and that missed them. <c>since</c> is the last id the app
/// saw (it gets the ones after) or an RFC 3339 time (it gets the ones kept at or after it).
/// </summary>
public static class InboxApi
{
    public const int MaxLimit = 1000;

    public sealed record InboxEntry(long Id, DateTimeOffset At, MessageView Message);

    /// <param name="NextSince">The id to pass as <c>since</c> next time: the last one returned, or the one given.</param>
    public sealed record InboxPage(string User, IReadOnlyList<InboxEntry> Messages, long NextSince);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/users/{user}/messages", async (string user, string? since, int? limit, IInbox inbox, Broker.Broker broker, CancellationToken ct) =>
        {
            user = RouteText.Name(user);
            long afterId = 0;
            var notBefore = DateTimeOffset.MinValue;
            if (since is not null && !long.TryParse(since, NumberStyles.None, CultureInfo.InvariantCulture, out afterId)
                && !RouteText.TryParseTime(since, out notBefore))
                return Problems.Invalid("since", "must be a message id (the last one seen) or an RFC 3339 time such as 2026-12-02T08:00:00Z");
            if (limit is < 1 or > MaxLimit)
                return Problems.Invalid("limit", $"must be between 1 and {MaxLimit}");
            var messages = await inbox.ReadAsync(user, afterId, notBefore, limit ?? 100, broker.Time.GetUtcNow(), ct);
            return Results.Ok(new InboxPage(user, [.. messages.Select(m => new InboxEntry(m.Id, m.At, MessageView.From(m)))],
                messages.Count > 0 ? messages[^1].Id : afterId));
        }).RequireScope(ApiScope.Read).Produces<InboxPage>().ProducesValidationProblem();
    }
}

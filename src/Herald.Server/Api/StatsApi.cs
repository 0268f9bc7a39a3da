using Herald.Broker.Diagnostics;
using Herald.Broker.Sessions;
using Herald.Broker.Statistics;
using Herald.Protocol;
using Herald.Server.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Server.Api;

/// <summary>
/// The server's state as JSON (read scope): <c>GET /api/v1/stats</c>, the counts $SYS and
/// <c>/metrics</c> publish too, and <c>GET /api/v1/topics/hot</c>, the busiest topics of a window.
/// </summary>
public static class StatsApi
{
    public const int MaxHotTopics = 1000;

    public sealed record Stats(
        string Version,
        DateTimeOffset StartedAt,
        long UptimeSeconds,
        int Connections,
        long ConnectionsAccepted,
        int Sessions,
        int Subscriptions,
        int RetainedMessages,
        long QueuedMessages,
        long InflightMessages,
        long MessagesReceived,
        long MessagesSent,
        long MessagesDropped,
        long[] MessagesReceivedByQos,
        long[] MessagesSentByQos,
        Dictionary<string, long> MessagesDroppedByReason,
        long PacketsReceived,
        long PacketsSent,
        long BytesReceived,
        long BytesSent,
        Dictionary<string, long> AuthFailures);

    public sealed record HotTopic(string Topic, long Messages, long Bytes, double MessagesPerSecond, double BytesPerSecond, long Error, int Subscribers);

    public sealed record HotTopics(string Window, double CoveredSeconds, long TotalMessages, long TotalBytes, long ErrorBound, IReadOnlyList<HotTopic> Topics);

    private static readonly Dictionary<string, TimeSpan> Windows = new(StringComparer.Ordinal)
    {
        ["1m"] = TimeSpan.FromMinutes(1),
        ["5m"] = TimeSpan.FromMinutes(5),
        ["1h"] = TimeSpan.FromHours(1),
    };

    public static void Map(RouteGroupBuilder api)
    {
        var read = api.MapGroup("").RequireScope(ApiScope.Read);
        read.MapGet("/stats", (Broker.Broker broker) => Results.Ok(Of(broker))).Produces<Stats>();
        read.MapGet("/topics/hot", (string? window, int? limit, string? scope, Broker.Broker broker, [FromServices] ClusterStatus? status) =>
        {
            window ??= "5m";
            if (!Windows.TryGetValue(window, out var span))
                return Problems.Invalid("window", "must be 1m, 5m or 1h");
            if (scope is not (null or "node" or "cluster"))
                return Problems.Invalid("scope", "must be node or cluster");
            if (scope == "cluster" && status is not null)
                return Results.Ok(ClusterApi.HotTopics(status, broker, window, limit ?? 20));
            if (limit is < 1 or > MaxHotTopics)
                return Problems.Invalid("limit", $"must be between 1 and {MaxHotTopics}");
            var top = broker.TopicStatistics.Top(span, limit ?? 20);
            var seconds = Math.Max(top.Covered.TotalSeconds, 1);
            return Results.Ok(new HotTopics(window, top.Covered.TotalSeconds, top.TotalMessages, top.TotalBytes, top.ErrorBound,
                [.. top.Topics.Select(t => new HotTopic(t.Topic, t.Messages, t.Bytes, t.Messages / seconds, t.Bytes / seconds, t.Error,
                    broker.Subscriptions.CountMatching(t.Topic)))]));
        }).Produces<HotTopics>().ProducesValidationProblem();
    }

    /// <summary>The time a window name (1m, 5m, 1h) covers.</summary>
    public static TimeSpan WindowSpan(string window) => Windows[window];

    public static Stats Of(Broker.Broker broker)
    {
        var metrics = broker.Metrics;
        var (queued, inflight) = broker.QueueDepths();
        QualityOfService[] levels = [QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce];
        return new Stats(
            SysTopics.ServerVersion,
            broker.StartedAt,
            (long)(broker.Time.GetUtcNow() - broker.StartedAt).TotalSeconds,
            metrics.ClientsConnected,
            metrics.ConnectionsAccepted,
            broker.Sessions.Count,
            broker.Subscriptions.Count,
            broker.Retained.Count,
            queued,
            inflight,
            metrics.PublishReceivedTotal,
            metrics.PublishSentTotal,
            metrics.DroppedTotal,
            [.. levels.Select(metrics.PublishReceived)],
            [.. levels.Select(metrics.PublishSent)],
            Enum.GetValues<DropReason>().ToDictionary(r => r.ToString(), metrics.Dropped),
            metrics.PacketsReceived,
            metrics.PacketsSent,
            metrics.BytesReceived,
            metrics.BytesSent,
            metrics.AuthFailures.ToDictionary(p => p.Key.ToString(), p => p.Value));
    }
}

using Herald.Server.Hosting;
using Microsoft.AspNetCore.Mvc;

namespace Herald.Server.Api;

/// <summary>
/// <c>GET /api/v1/cluster</c> (read scope): every node with its counts, and their totals. A single
/// node answers as a cluster of one. The hot topics of the whole cluster are
/// <c>GET /api/v1/topics/hot?scope=cluster</c>, merged here from every node's.
/// </summary>
public static class ClusterApi
{
    public sealed record Node(string Id, bool Self, DateTimeOffset? SeenAt, StatsApi.Stats Stats);

    public sealed record Totals(int Nodes, long Connections, long Sessions, long Subscriptions, long MessagesReceived, long MessagesSent, long MessagesDropped, long QueuedMessages, long InflightMessages);

    public sealed record Cluster(bool Enabled, string Node, bool? RedisReachable, IReadOnlyList<Node> Nodes, Totals Total);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGroup("").RequireScope(ApiScope.Read)
            .MapGet("/cluster", (Broker.Broker broker, [FromServices] ClusterStatus? status, [FromServices] Storage.Redis.Cluster.RedisCluster? cluster) =>
                Results.Ok(Of(broker, status, cluster)))
            .Produces<Cluster>();
    }

    public static Cluster Of(Broker.Broker broker, ClusterStatus? status, Storage.Redis.Cluster.RedisCluster? cluster)
    {
        var own = cluster?.NodeId ?? Environment.MachineName;
        List<Node> nodes = status is { Nodes.Count: > 0 }
            ? [.. status.Nodes.Select(n => new Node(n.Node, n.Node == own, n.At, n.Node == own ? StatsApi.Of(broker) : n.Stats))]
            : [new Node(own, true, broker.Time.GetUtcNow(), StatsApi.Of(broker))];
        var total = new Totals(
            nodes.Count,
            nodes.Sum(n => (long)n.Stats.Connections),
            nodes.Sum(n => (long)n.Stats.Sessions),
            nodes.Sum(n => (long)n.Stats.Subscriptions),
            nodes.Sum(n => n.Stats.MessagesReceived),
            nodes.Sum(n => n.Stats.MessagesSent),
            nodes.Sum(n => n.Stats.MessagesDropped),
            nodes.Sum(n => n.Stats.QueuedMessages),
            nodes.Sum(n => n.Stats.InflightMessages));
        return new Cluster(cluster is not null, own, cluster?.IsReachable, nodes, total);
    }

    /// <summary>The busiest topics over every node: each node's counts summed per topic (a topic below a node's top list counts 0 there).</summary>
    public static StatsApi.HotTopics HotTopics(ClusterStatus status, Broker.Broker broker, string window, int limit)
    {
        var sums = new Dictionary<string, (long Messages, long Bytes)>(StringComparer.Ordinal);
        foreach (var node in status.Nodes)
        {
            if (!node.HotTopics.TryGetValue(window, out var topics))
                continue;
            foreach (var topic in topics)
            {
                var (messages, bytes) = sums.GetValueOrDefault(topic.Topic);
                sums[topic.Topic] = (messages + topic.Messages, bytes + topic.Bytes);
            }
        }
        var seconds = StatsApi.WindowSpan(window).TotalSeconds;
        var top = sums.OrderByDescending(p => p.Value.Messages).ThenBy(p => p.Key, StringComparer.Ordinal).Take(limit)
            .Select(p => new StatsApi.HotTopic(p.Key, p.Value.Messages, p.Value.Bytes, p.Value.Messages / seconds, p.Value.Bytes / seconds, 0, broker.Subscriptions.CountMatching(p.Key)))
            .ToList();
        return new StatsApi.HotTopics(window, seconds, sums.Values.Sum(v => v.Messages), sums.Values.Sum(v => v.Bytes), 0, top);
    }
}

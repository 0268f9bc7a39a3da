using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Herald.Broker.Messages;
using Herald.Protocol;
using Herald.Server.Api;
using Herald.Storage.Redis.Cluster;

namespace Herald.Server.Hosting;

/// <summary>
/// The cluster seen from this node, once a second: publishes this node's <see cref="NodeStatus"/>
/// to Redis, reads every node's, and shows them under <c>$SYS/broker/cluster/...</c> and as the
/// <c>herald_cluster_*</c> metrics; the HTTP API and the dashboard read <see cref="Nodes"/>.
/// </summary>
public sealed partial class ClusterStatus : BackgroundService
{
    public const string MeterName = "Herald.Cluster";

    public static readonly string[] Windows = ["1m", "5m", "1h"];

    private const int HotTopicsPerNode = 100;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly Broker.Broker _broker;
    private readonly RedisCluster _cluster;
    private readonly ILogger<ClusterStatus> _log;
    private readonly Dictionary<string, string> _published = new(StringComparer.Ordinal);
    private volatile IReadOnlyList<NodeStatus> _nodes = [];

    public ClusterStatus(Broker.Broker broker, RedisCluster cluster, IMeterFactory meters, ILogger<ClusterStatus> log)
    {
        _broker = broker;
        _cluster = cluster;
        _log = log;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("herald.cluster.nodes", () => _cluster.Members.Count, description: "Nodes alive in the cluster");
        meter.CreateObservableGauge("herald.cluster.connections", () => PerNode(s => s.Connections), description: "Connected clients per node");
        meter.CreateObservableGauge("herald.cluster.messages.received", () => PerNode(s => s.MessagesReceived), description: "PUBLISH packets received per node");
        meter.CreateObservableGauge("herald.cluster.messages.sent", () => PerNode(s => s.MessagesSent), description: "PUBLISH packets sent per node");
        meter.CreateObservableGauge("herald.cluster.routes", () => _cluster.Routes.Count, description: "Routes (node, filter) in this node's route table");
        meter.CreateObservableGauge("herald.cluster.redis.reachable", () => _cluster.IsReachable ? 1 : 0, description: "1 while the cluster's Redis answers");
    }

    /// <summary>The last status of every live node, this one's made now.</summary>
    public IReadOnlyList<NodeStatus> Nodes => _nodes;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            try
            {
                await RefreshAsync();
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                // Redis is away: the membership loop says so; show this node alone meanwhile.
                _nodes = [Own()];
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task RefreshAsync()
    {
        var own = Own();
        await _cluster.PublishStatus(JsonSerializer.Serialize(own, Json));
        var nodes = new List<NodeStatus> { own };
        foreach (var (node, json) in await _cluster.ReadStatusAsync())
        {
            if (node == _cluster.NodeId)
                continue;
            try
            {
                if (JsonSerializer.Deserialize<NodeStatus>(json, Json) is { } status)
                    nodes.Add(status);
            }
            catch (JsonException e)
            {
                BadStatus(_log, node, e.Message);
            }
        }
        nodes.Sort((a, b) => string.CompareOrdinal(a.Node, b.Node));
        _nodes = nodes;
        PublishSys(nodes);
    }

    private NodeStatus Own()
    {
        var hot = new Dictionary<string, List<NodeStatus.TopicCount>>(StringComparer.Ordinal);
        foreach (var window in Windows)
        {
            var top = _broker.TopicStatistics.Top(StatsApi.WindowSpan(window), HotTopicsPerNode);
            hot[window] = [.. top.Topics.Select(t => new NodeStatus.TopicCount(t.Topic, t.Messages, t.Bytes))];
        }
        return new NodeStatus(_cluster.NodeId, _broker.Time.GetUtcNow(), StatsApi.Of(_broker), hot);
    }

    /// <summary>$SYS/broker/cluster/...: this node's name, the nodes, and totals over them; retained, published when they change.</summary>
    private void PublishSys(List<NodeStatus> nodes)
    {
        Publish("$SYS/broker/cluster/node", _cluster.NodeId);
        Publish("$SYS/broker/cluster/nodes", string.Join(',', nodes.Select(n => n.Node)));
        Publish("$SYS/broker/cluster/nodes/count", Text(nodes.Count));
        Publish("$SYS/broker/cluster/clients/connected", Text(nodes.Sum(n => (long)n.Stats.Connections)));
        Publish("$SYS/broker/cluster/publish/messages/received", Text(nodes.Sum(n => n.Stats.MessagesReceived)));
        Publish("$SYS/broker/cluster/publish/messages/sent", Text(nodes.Sum(n => n.Stats.MessagesSent)));
        foreach (var node in nodes)
            Publish($"$SYS/broker/cluster/node/{node.Node}/clients/connected", Text(node.Stats.Connections));
    }

    private void Publish(string topic, string value)
    {
        if (_published.TryGetValue(topic, out var last) && last == value)
            return;
        _published[topic] = value;
        _broker.Publish(Message.Create(topic, Encoding.UTF8.GetBytes(value), QualityOfService.AtMostOnce, retain: true, timestamp: _broker.Time.GetTimestamp()));
    }

    private IEnumerable<Measurement<long>> PerNode(Func<StatsApi.Stats, long> value)
    {
        foreach (var node in _nodes)
            yield return new Measurement<long>(value(node.Stats), new KeyValuePair<string, object?>("node", node.Node));
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 450, Level = LogLevel.Warning, Message = "Cluster: node {Node} published a status this node cannot read: {Error}")]
    private static partial void BadStatus(ILogger logger, string node, string error);
}

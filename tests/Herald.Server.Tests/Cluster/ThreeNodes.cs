using Herald.Server.Tests.Durability;
using Herald.Server.Tests.Fixtures;
using StackExchange.Redis;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Three herald nodes (<c>node-0</c>, <c>node-1</c>, <c>node-2</c>) on a Redis of their own, for
/// one test class: started once, and ready once every node counts all three as members (they
/// learn of each other at their heartbeats, once a second). The subclasses say which Redis: a
/// single redis-server or a Redis Cluster. Every node's HTTP API takes <see cref="ApiKey"/>.
/// </summary>
public abstract class ThreeNodes : IAsyncLifetime
{
    public const string ApiKey = "cluster-routing-tests-key";

    private HeraldNodes? _nodes;
    private ConnectionMultiplexer? _redis;

    public HeraldNodes Nodes => _nodes ?? throw new InvalidOperationException("The nodes are not started.");

    public HeraldProcess this[int index] => Nodes[index];

    /// <summary>The StackExchange.Redis configuration string the nodes joined with.</summary>
    public string RedisConfiguration { get; private set; } = "";

    /// <summary>A connection of the test's own to the nodes' Redis, to look at what they keep there.</summary>
    public IDatabase Redis => (_redis ?? throw new InvalidOperationException("Redis is not started.")).GetDatabase();

    /// <summary>The arguments every node gets besides its Redis and node id: the API key, and expired messages purged every second.</summary>
    public static string[] NodeArguments(params string[] extraArgs) => [$"--Herald:Http:ApiKey={ApiKey}", "--Herald:Mqtt:PurgeIntervalSeconds=1", .. extraArgs];

    /// <summary>Starts the Redis and returns its configuration string.</summary>
    protected abstract Task<string> StartRedisAsync();

    protected abstract Task StopRedisAsync();

    public async Task InitializeAsync()
    {
        try
        {
            RedisConfiguration = await StartRedisAsync();
            _redis = await ConnectionMultiplexer.ConnectAsync(RedisConfiguration);
            _nodes = await HeraldNodes.StartAsync(3, RedisConfiguration, NodeArguments());
            foreach (var node in _nodes)
                await WaitForMembersAsync(node, 3);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_nodes is not null)
            await _nodes.DisposeAsync();
        if (_redis is not null)
            await _redis.DisposeAsync();
        await StopRedisAsync();
    }

    /// <summary>
    /// The id of the last entry ever added to the inbox stream of the node at <paramref name="index"/>
    /// (<c>herald:node:{node-N}:inbox</c>); its length says little, as handled entries are deleted.
    /// </summary>
    public async Task<string> LastInboxEntryAsync(int index)
    {
        var info = await Redis.StreamInfoAsync($"herald:node:{{{HeraldNodes.NodeId(index)}}}:inbox");
        return info.LastGeneratedId.ToString();
    }

    /// <summary>Waits until <c>GET /api/v1/cluster</c> on <paramref name="node"/> lists <paramref name="count"/> nodes.</summary>
    public static Task WaitForMembersAsync(HeraldProcess node, int count) => Poll.UntilAsync(
        async () =>
        {
            using var api = new NodeApi(node);
            return (await api.GetAsync("cluster")).GetProperty("nodes").GetArrayLength();
        },
        n => n == count,
        $"the nodes the node on HTTP port {node.HttpPort} lists",
        Wait.ProcessBound);
}

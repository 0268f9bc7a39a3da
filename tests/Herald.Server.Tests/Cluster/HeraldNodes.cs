using Herald.Server.Tests.Durability;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Herald processes that act as one broker through a shared Redis (a single redis-server or a
/// Redis Cluster), node ids <c>node-0</c>, <c>node-1</c>, …: each with ports and a data directory
/// of its own, started in parallel. A test kills and restarts single nodes through their
/// <see cref="HeraldProcess"/>; disposing kills them all and deletes their directories.
/// </summary>
public sealed class HeraldNodes : IReadOnlyList<HeraldProcess>, IAsyncDisposable
{
    private readonly HeraldProcess[] _nodes;

    private HeraldNodes(HeraldProcess[] nodes) => _nodes = nodes;

    public int Count => _nodes.Length;

    public HeraldProcess this[int index] => _nodes[index];

    /// <summary>The Herald:Cluster:NodeId of the node at <paramref name="index"/>.</summary>
    public static string NodeId(int index) => $"node-{index}";

    /// <summary>
    /// Starts <paramref name="count"/> nodes joined through <paramref name="redisConfiguration"/>
    /// (a StackExchange.Redis configuration string), each with <paramref name="extraArgs"/> too,
    /// and returns once every one is listening.
    /// </summary>
    public static async Task<HeraldNodes> StartAsync(int count, string redisConfiguration, params string[] extraArgs)
    {
        var nodes = new HeraldProcess[count];
        for (var i = 0; i < count; i++)
            nodes[i] = HeraldProcess.Create([$"--Herald:Cluster:Redis={redisConfiguration}", $"--Herald:Cluster:NodeId={NodeId(i)}", .. extraArgs]);
        var cluster = new HeraldNodes(nodes);
        try
        {
            await Task.WhenAll(nodes.Select(n => n.StartAsync()));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    public IEnumerator<HeraldProcess> GetEnumerator() => ((IEnumerable<HeraldProcess>)_nodes).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public async ValueTask DisposeAsync() => await Task.WhenAll(_nodes.Select(n => n.DisposeAsync().AsTask()));
}

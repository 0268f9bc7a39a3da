using Herald.Server.Tests.Cluster;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// Three Herald nodes on a <typeparamref name="TRedis"/>, started once for a test class whose
/// tests kill nothing and use client ids and topics of their own.
/// </summary>
public sealed class SharedNodes<TRedis> : IAsyncLifetime
    where TRedis : FailoverRedis, new()
{
    private HeraldNodes? _nodes;

    public FailoverRedis Redis { get; } = new TRedis();

    public HeraldNodes Nodes => _nodes ?? throw new InvalidOperationException("The nodes are not started.");

    public async Task InitializeAsync()
    {
        await Redis.InitializeAsync();
        _nodes = await Redis.StartNodesAsync(3);
    }

    public async Task DisposeAsync()
    {
        if (_nodes is not null)
            await _nodes.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

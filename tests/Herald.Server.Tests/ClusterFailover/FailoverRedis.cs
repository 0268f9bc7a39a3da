using Herald.Server.Tests.Cluster;
using Herald.Server.Tests.Fixtures;
using StackExchange.Redis;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// The Redis a failover test class runs its Herald nodes on: a standalone redis-server
/// (<see cref="StandaloneRedis"/>) or a three-master Redis Cluster (<see cref="ThreeMasterRedis"/>),
/// so the same tests run against both. It also reads what the nodes keep there, such as the
/// owner of a client id, to check the session registry from outside.
/// </summary>
public abstract class FailoverRedis : IAsyncLifetime
{
    /// <summary>The StackExchange.Redis configuration string the nodes join with.</summary>
    public abstract string Configuration { get; }

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>
    /// Empties Redis, then starts <paramref name="count"/> nodes on it that take <see cref="NodeApi.Key"/>.
    /// Node ids are node-0, node-1, … in every test, and a node killed by the test before lives
    /// on in Redis for up to 3 s (its heartbeat), which would refuse the new node of that id.
    /// </summary>
    public async Task<HeraldNodes> StartNodesAsync(int count)
    {
        await FlushAsync();
        return await HeraldNodes.StartAsync(count, Configuration, NodeApi.KeyArgument);
    }

    /// <summary>FLUSHALL on every master.</summary>
    public async Task FlushAsync()
    {
        var options = ConfigurationOptions.Parse(Configuration);
        options.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        foreach (var server in redis.GetServers())
        {
            if (!server.IsReplica)
                await server.FlushAllDatabasesAsync();
        }
    }

    /// <summary>
    /// Returns as soon as the heartbeat of <paramref name="node"/> (<c>herald:node:{node}:alive</c>,
    /// which lives 3 s after the node's last renewal) is gone from Redis: the moment the other
    /// nodes may take it for dead. Looks every 10 ms on one connection, to come before the next
    /// membership check of the other nodes (every second) where it can; fails after <see cref="Wait.ProcessBound"/>.
    /// </summary>
    public async Task WaitUntilHeartbeatGoneAsync(string node)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Configuration);
        var db = redis.GetDatabase();
        var deadline = DateTime.UtcNow + Wait.ProcessBound;
        while (await db.KeyExistsAsync($"herald:node:{{{node}}}:alive"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The heartbeat of {node} is still in Redis after {Wait.ProcessBound.TotalSeconds} s.");
            await Task.Delay(10);
        }
    }

    /// <summary>The node that owns <paramref name="clientId"/> in the session registry: <c>owner</c> of <c>herald:session:{clientId}</c>.</summary>
    public async Task<string?> OwnerAsync(string clientId)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Configuration);
        return await redis.GetDatabase().HashGetAsync($"herald:session:{{{clientId}}}", "owner");
    }
}

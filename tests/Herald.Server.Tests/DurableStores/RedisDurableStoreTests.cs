using Herald.Broker.Persistence;
using Herald.Server.Tests.Fixtures;
using Herald.Storage.Redis.Cluster;
using StackExchange.Redis;

namespace Herald.Server.Tests.DurableStores;

/// <summary>
/// The durable store contract against a cluster node's <see cref="RedisSessionStore"/> on a real
/// redis-server, built on a <see cref="RedisWriter"/> as RedisCluster builds them; a restart is a
/// new writer and store for the same node id on the same Redis. Each test is a node of its own,
/// so its sessions are apart from the other tests'; the retained messages are one hash shared by
/// every node, so tests look only at their own topics.
/// </summary>
public sealed class RedisDurableStoreTests(RedisServer redis) : DurableStoreContract, IClassFixture<RedisServer>
{
    private readonly string _node = $"node-{Guid.NewGuid():N}";
    private ConnectionMultiplexer _redis = null!;
    private ConnectionMultiplexer _reader = null!; // for ReadDurable, which must not queue behind the writer's paused calls
    private RedisWriter? _writer;
    private RedisSessionStore? _store;

    protected override IDurableStore Store => _store ?? throw new InvalidOperationException("the store is closed");

    public override async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        _reader = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},allowAdmin=true");
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _reader.DisposeAsync();
        await _redis.DisposeAsync();
    }

    protected override Task<StoredState> OpenAsync()
    {
        _writer = new RedisWriter(_redis, _node, Errors, hasLocalSession: _ => false,
            fenced: clientId => Errors.Report($"a write for {clientId} was fenced: the harness did not claim it for {_node}"));
        _store = new RedisSessionStore(_writer, _redis, _node, Time);
        return Task.FromResult(_store.Load());
    }

    protected override async Task CloseAsync()
    {
        if (_writer is not null)
            await _writer.DisposeAsync(); // writes what is queued first
        _writer = null;
        _store = null;
    }

    /// <summary>
    /// What a claim leaves in Redis before the node records anything for the client id: the
    /// session hash's owner, and the id among the node's sessions, which Load reads.
    /// </summary>
    protected override async Task ClaimAsync(string clientId)
    {
        var db = _redis.GetDatabase();
        Assert.Equal(1, (long)await db.ScriptEvaluateAsync(Scripts.CompareAndSetOwner, [ClusterKeys.Session(clientId)], ["", _node]));
        await db.SetAddAsync(ClusterKeys.Sessions(_node), clientId);
    }

    /// <summary>
    /// What Redis holds at this moment, loaded by another store of the same node as a restart
    /// would. Writes are paused while it reads (CLIENT PAUSE WRITE), so a write the writer sends
    /// after the callback began (a later phase of its batch, say) is not counted as durable.
    /// </summary>
    protected override StoredState ReadDurable()
    {
        var server = _reader.GetServer(_reader.GetEndPoints()[0]);
        server.Execute("CLIENT", "PAUSE", "5000", "WRITE");
        try
        {
            return new RedisSessionStore(_writer!, _reader, _node, Time).Load();
        }
        finally
        {
            server.Execute("CLIENT", "UNPAUSE");
        }
    }
}

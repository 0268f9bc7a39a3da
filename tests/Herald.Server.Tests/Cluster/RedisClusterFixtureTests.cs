using Herald.Server.Tests.Fixtures;
using StackExchange.Redis;

namespace Herald.Server.Tests.Cluster;

/// <summary>The <see cref="RedisCluster"/> fixture is a working Redis Cluster: slots spread over its three masters, hash tags keep keys together.</summary>
public sealed class RedisClusterFixtureTests(RedisCluster cluster) : IClassFixture<RedisCluster>
{
    [Fact]
    public async Task Keys_spread_over_all_three_masters_and_read_back_through_the_configuration()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        var db = connection.GetDatabase();
        var prefix = $"spread:{Guid.NewGuid():N}:";
        var keys = Enumerable.Range(0, 100).Select(i => (RedisKey)$"{prefix}{i}").ToArray();

        await Task.WhenAll(keys.Select(k => db.StringSetAsync(k, $"value of {k}")));
        var values = await Task.WhenAll(keys.Select(k => db.StringGetAsync(k)));

        Assert.Equal(keys.Select(k => $"value of {k}"), values.Select(v => v.ToString()));
        // Ask each master which of the keys it holds, rather than trusting the client's slot map.
        var masters = connection.GetServers().Where(s => !s.IsReplica).ToArray();
        Assert.Equal(3, masters.Length);
        var counts = new List<int>();
        foreach (var master in masters)
            counts.Add(await master.KeysAsync(pattern: prefix + "*").CountAsync());
        Assert.Equal(100, counts.Sum());
        Assert.All(counts, c => Assert.True(c > 0, $"A master holds none of the keys: {string.Join(", ", counts)}"));
    }

    [Fact]
    public async Task Hash_tagged_keys_share_a_slot_so_one_transaction_writes_both()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        var db = connection.GetDatabase();
        RedisKey a = "{x}:a", b = "{x}:b";

        var transaction = db.CreateTransaction();
#pragma warning disable SER304 // Two commands on purpose: the transaction, not one multi-key MSET, is what must stay within a slot.
        _ = transaction.StringSetAsync(a, "1");
        _ = transaction.StringSetAsync(b, "2");
#pragma warning restore SER304

        Assert.True(await transaction.ExecuteAsync());
        Assert.Equal(connection.HashSlot(a), connection.HashSlot(b));
        Assert.Equal(["1", "2"], (await db.StringGetAsync([a, b])).Select(v => v.ToString()));
    }

    [Fact]
    public async Task Keys_in_different_slots_cannot_share_a_transaction()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        var db = connection.GetDatabase();
        RedisKey a = "cross:a", b = "cross:b";
        Assert.NotEqual(connection.HashSlot(a), connection.HashSlot(b));

        var transaction = db.CreateTransaction();
#pragma warning disable SER304 // Two commands on purpose: the transaction, not one multi-key MSET, is what must stay within a slot.
        _ = transaction.StringSetAsync(a, "1");
        _ = transaction.StringSetAsync(b, "2");
#pragma warning restore SER304

        // The client refuses before sending, from the slot map the nodes gave it; a standalone redis-server would run it.
        await Assert.ThrowsAsync<RedisCommandException>(() => transaction.ExecuteAsync());
    }
}

using Herald.Broker.Auth;
using Herald.Server.Tests.Fixtures;
using Herald.Storage.Redis;
using StackExchange.Redis;

namespace Herald.Server.Tests.AuthStores;

/// <summary>The auth store contract against a real redis-server, and the key layout the README promises operators.</summary>
public sealed class RedisAuthStoreTests(RedisServer redis) : AuthStoreContract, IClassFixture<RedisServer>
{
    protected override IAuthStore Store { get; } = RedisAuthStore.Connect(redis.Configuration);

    [Fact]
    public async Task Users_live_in_the_documented_hash_so_redis_cli_can_manage_them()
    {
        var name = Unique.ClientId("cli");
        var hash = PasswordHash.Create("pw", 1_000);
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);

        await connection.GetDatabase().HashSetAsync("herald:users", name, hash); // as `redis-cli HSET herald:users NAME HASH`

        Assert.Equal(hash, await Store.FindPasswordHashAsync(name, default));
    }
}

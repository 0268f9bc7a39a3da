using System.Net.Sockets;
using Herald.Server.Tests.Fixtures;
using StackExchange.Redis;

namespace Herald.Server.Tests.Cluster;

/// <summary><see cref="RedisServer.StopAsync"/> and <see cref="RedisServer.StartAsync"/>: Redis goes away and comes back where it was.</summary>
public sealed class RedisServerRestartTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Stopped_redis_server_refuses_connections_then_starts_again_empty_on_the_same_port()
    {
        var port = redis.Port;
        using (var before = await ConnectionMultiplexer.ConnectAsync(redis.Configuration))
            await before.GetDatabase().StringSetAsync("restart:kept", "no");

        await redis.StopAsync();
        using (var probe = new TcpClient())
            await Assert.ThrowsAnyAsync<SocketException>(() => probe.ConnectAsync("127.0.0.1", port));
        await redis.StartAsync();

        Assert.Equal(port, redis.Port);
        using var after = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        Assert.False(await after.GetDatabase().KeyExistsAsync("restart:kept"));
    }

    [Fact]
    public async Task Client_connected_before_a_stop_reconnects_by_itself_once_redis_server_starts_again()
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);

        await redis.StopAsync();
        await Poll.UntilAsync(() => Task.FromResult(connection.IsConnected), connected => !connected, "The client's connection with redis-server stopped");
        await redis.StartAsync();

        await Poll.UntilAsync(() => Task.FromResult(connection.IsConnected), connected => connected, "The client's connection with redis-server started again", Wait.ProcessBound);
        Assert.True(await connection.GetDatabase().StringSetAsync("restart:after", "yes"));
    }
}

using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Cluster;

/// <summary><see cref="ThreeNodes"/> on one standalone redis-server.</summary>
public sealed class ThreeNodesOnRedisServer : ThreeNodes
{
    private readonly RedisServer _redis = new();

    protected override async Task<string> StartRedisAsync()
    {
        await _redis.InitializeAsync();
        return _redis.Configuration;
    }

    protected override Task StopRedisAsync() => _redis.DisposeAsync();
}

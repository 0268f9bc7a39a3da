namespace Herald.Server.Tests.Cluster;

/// <summary><see cref="ThreeNodes"/> on a Redis Cluster of three masters: a node's keys and another's are on different masters.</summary>
public sealed class ThreeNodesOnRedisCluster : ThreeNodes
{
    private readonly Fixtures.RedisCluster _redis = new();

    protected override async Task<string> StartRedisAsync()
    {
        await _redis.InitializeAsync();
        return _redis.Configuration;
    }

    protected override Task StopRedisAsync() => _redis.DisposeAsync();
}

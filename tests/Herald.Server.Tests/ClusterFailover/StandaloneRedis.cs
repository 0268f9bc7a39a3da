using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>One redis-server (<see cref="RedisServer"/>) under the nodes of a failover test class.</summary>
public sealed class StandaloneRedis : FailoverRedis
{
    private readonly RedisServer _server = new();

    public override string Configuration => _server.Configuration;

    public override Task InitializeAsync() => _server.InitializeAsync();

    public override Task DisposeAsync() => _server.DisposeAsync();
}

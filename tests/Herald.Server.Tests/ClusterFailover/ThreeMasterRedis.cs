namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// A Redis Cluster of three masters (<see cref="Fixtures.RedisCluster"/>) under the nodes of a
/// failover test class: a node's keys and a session's key sit in hash slots of different masters.
/// </summary>
public sealed class ThreeMasterRedis : FailoverRedis
{
    private readonly Fixtures.RedisCluster _cluster = new();

    public override string Configuration => _cluster.Configuration;

    public override Task InitializeAsync() => _cluster.InitializeAsync();

    public override Task DisposeAsync() => _cluster.DisposeAsync();
}

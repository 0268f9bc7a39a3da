namespace Herald.Server.Tests.ClusterFailover;

/// <summary><see cref="NodeKillTests{TRedis}"/> on one redis-server.</summary>
[Collection(Cluster.ClusterCollection.Name)]
public sealed class NodeKillOnRedisServerTests(StandaloneRedis redis) : NodeKillTests<StandaloneRedis>(redis);

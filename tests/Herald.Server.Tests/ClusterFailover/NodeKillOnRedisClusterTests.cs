namespace Herald.Server.Tests.ClusterFailover;

/// <summary><see cref="NodeKillTests{TRedis}"/> on a Redis Cluster of three masters.</summary>
[Collection(Cluster.ClusterCollection.Name)]
public sealed class NodeKillOnRedisClusterTests(ThreeMasterRedis redis) : NodeKillTests<ThreeMasterRedis>(redis);

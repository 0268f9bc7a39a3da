namespace Herald.Server.Tests.ClusterFailover;

/// <summary><see cref="SessionsAcrossNodesTests{TRedis}"/> on a Redis Cluster of three masters.</summary>
[Collection(Cluster.ClusterCollection.Name)]
public sealed class SessionsAcrossNodesOnRedisClusterTests(SharedNodes<ThreeMasterRedis> cluster) : SessionsAcrossNodesTests<ThreeMasterRedis>(cluster);

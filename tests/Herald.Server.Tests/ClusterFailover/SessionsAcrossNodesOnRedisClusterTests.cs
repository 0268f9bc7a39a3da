namespace Herald.Server.Tests.ClusterFailover;

/// <summary><see cref="SessionsAcrossNodesTests{TRedis}"/> on a Redis Cluster of three masters.</summary>
public sealed class SessionsAcrossNodesOnRedisClusterTests(SharedNodes<ThreeMasterRedis> cluster) : SessionsAcrossNodesTests<ThreeMasterRedis>(cluster);

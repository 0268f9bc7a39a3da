namespace Herald.Server.Tests.ClusterFailover;

/// <summary><see cref="SessionsAcrossNodesTests{TRedis}"/> on one redis-server.</summary>
[Collection(Cluster.ClusterCollection.Name)]
public sealed class SessionsAcrossNodesOnRedisServerTests(SharedNodes<StandaloneRedis> cluster) : SessionsAcrossNodesTests<StandaloneRedis>(cluster);

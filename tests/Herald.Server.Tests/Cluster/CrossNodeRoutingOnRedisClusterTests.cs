namespace Herald.Server.Tests.Cluster;

/// <summary><see cref="CrossNodeRoutingTests"/> with the three nodes on a Redis Cluster of three masters.</summary>
public sealed class CrossNodeRoutingOnRedisClusterTests(ThreeNodesOnRedisCluster nodes) : CrossNodeRoutingTests(nodes), IClassFixture<ThreeNodesOnRedisCluster>;

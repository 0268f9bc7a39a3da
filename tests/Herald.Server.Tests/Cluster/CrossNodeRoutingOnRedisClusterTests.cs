namespace Herald.Server.Tests.Cluster;

/// <summary><see cref="CrossNodeRoutingTests"/> with the three nodes on a Redis Cluster of three masters.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossNodeRoutingOnRedisClusterTests(ThreeNodesOnRedisCluster nodes) : CrossNodeRoutingTests(nodes), IClassFixture<ThreeNodesOnRedisCluster>;

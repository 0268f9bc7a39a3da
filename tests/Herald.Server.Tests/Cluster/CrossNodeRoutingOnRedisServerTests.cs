namespace Herald.Server.Tests.Cluster;

/// <summary><see cref="CrossNodeRoutingTests"/> with the three nodes on one standalone redis-server.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossNodeRoutingOnRedisServerTests(ThreeNodesOnRedisServer nodes) : CrossNodeRoutingTests(nodes), IClassFixture<ThreeNodesOnRedisServer>;

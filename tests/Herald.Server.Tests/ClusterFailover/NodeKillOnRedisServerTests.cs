namespace Herald.Server.Tests.ClusterFailover;

/// <summary><see cref="NodeKillTests{TRedis}"/> on one redis-server.</summary>
public sealed class NodeKillOnRedisServerTests(StandaloneRedis redis) : NodeKillTests<StandaloneRedis>(redis);

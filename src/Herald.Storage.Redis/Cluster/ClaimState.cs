using Herald.Broker.Persistence;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// A client id this node is claiming, from <see cref="RedisCluster.ClaimAsync"/> until the CONNECT
/// it was claimed for is accepted or refused (<see cref="RedisCluster.EndClaim"/>). Guarded by the
/// cluster's relay gate.
/// </summary>
internal sealed class ClaimState
{
    /// <summary>CONNECTs of this client id claiming at once on this node.</summary>
    public int Claims { get; set; } = 1;

    /// <summary>Deliveries relayed for it before its session is loaded here; null once it is, when they go straight to it.</summary>
    public List<StoredDelivery>? Waiting { get; set; } = [];

    /// <summary>
    /// Nodes that asked for the client id meanwhile, in order: the last gets it once the CONNECT is
    /// done (its CONNECT came last), the others are told to ask again.
    /// </summary>
    public List<string> Requesters { get; } = [];
}

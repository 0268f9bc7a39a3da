namespace Herald.Broker.Cluster;

/// <summary>The answer to <see cref="IClusterBus.ClaimAsync"/>.</summary>
public enum ClaimResult
{
    /// <summary>The client id is this node's; any session it had elsewhere is here now.</summary>
    Claimed,

    /// <summary>Other nodes claimed the client id at the same moment, again and again: the CONNECT is refused, server busy.</summary>
    Contended,

    /// <summary>
    /// The cluster could not be asked (Redis is unreachable): the client id is this node's only if
    /// its session is here or it starts clean; otherwise the CONNECT is refused, server unavailable.
    /// </summary>
    Unreachable,
}

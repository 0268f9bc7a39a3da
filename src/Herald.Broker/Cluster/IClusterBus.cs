using Herald.Broker.Messages;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Cluster;

/// <summary>
/// How the engine reaches the other nodes of a cluster: it forwards what is published here to the
/// nodes with matching subscriptions, announces the filters it has subscribers for, claims a
/// client id before a CONNECT is accepted (a client id is connected on one node at most) and
/// gives the id up when its session ends. A single node has no bus.
/// </summary>
public interface IClusterBus
{
    /// <summary>This node's name in the cluster.</summary>
    string NodeId { get; }

    /// <summary>False while the other nodes cannot be reached (Redis is away): this node then serves its own clients alone.</summary>
    bool IsReachable { get; }

    /// <summary>
    /// Sends a message published on this node to every other node that wants it, in the same
    /// durable stream as the store's records (so a QoS 1/2 acknowledgement held for the store also
    /// waits for the forward); returns the shared groups those nodes serve, which this node must skip.
    /// </summary>
    ForwardResult Forward(Message message);

    /// <summary>Tells every other node of a retained message set or cleared here without publishing it (the admin API's clear).</summary>
    void ShareRetained(Message message);

    /// <summary>
    /// The will of the client connected here with <paramref name="clientId"/>, null once there is
    /// none: kept in the cluster so that the node adopting this one, should it die, publishes it.
    /// </summary>
    void SaveWill(string clientId, ConnectWill? will);

    /// <summary>
    /// Sends a delivery of a session that moved to <paramref name="node"/> on to it (see
    /// <see cref="Broker.ReleaseSession"/>), after the hand-over of the session there.
    /// </summary>
    void Relay(string node, string clientId, Message message, QualityOfService qos, bool retain, int[]? subscriptionIds);

    /// <summary>A filter got its first subscriber here (<c>a/+</c> or <c>$share/{name}/{filter}</c>).</summary>
    void RouteAdded(string filter);

    /// <summary>A filter lost its last subscriber here.</summary>
    void RouteRemoved(string filter);

    /// <summary>
    /// Makes this node the owner of <paramref name="clientId"/> before its CONNECT is accepted:
    /// the node holding it is asked to close its connection and hand over the session, which is
    /// then loaded here (<see cref="Broker.AdoptSession"/>).
    /// </summary>
    ValueTask<ClaimResult> ClaimAsync(string clientId, CancellationToken cancellationToken);

    /// <summary>The session of <paramref name="clientId"/> ended here: the client id belongs to no node now.</summary>
    void SessionEnded(string clientId);
}

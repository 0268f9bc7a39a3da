using Herald.Broker.Cluster;
using Herald.Broker.Messages;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Tests.Cluster;

/// <summary>
/// The engine's side of a cluster without the other nodes: records what the broker forwards,
/// announces and gives up, answers <see cref="Forward"/> with what a test says the other nodes
/// want, and claims as the test says (at once, or when it completes <see cref="PendingClaim"/>).
/// </summary>
internal sealed class FakeClusterBus : IClusterBus
{
    private readonly Lock _gate = new(); // the broker calls from the test thread, timers and connections alike
    private readonly List<Message> _forwarded = [];
    private readonly List<string> _routesAdded = [];
    private readonly List<string> _routesRemoved = [];
    private readonly List<string> _claims = [];
    private readonly List<string> _ended = [];
    private readonly List<Message> _sharedRetained = [];
    private readonly List<(string Node, string ClientId, Message Message, QualityOfService QoS)> _relayed = [];
    private readonly List<(string ClientId, ConnectWill? Will)> _wills = [];

    public string NodeId => "node-a";

    public bool IsReachable { get; set; } = true;

    /// <summary>What <see cref="Forward"/> answers: the other nodes that want the message and the groups they serve.</summary>
    public ForwardResult ForwardResult { get; set; }

    /// <summary>What <see cref="ClaimAsync"/> answers when <see cref="PendingClaim"/> is null.</summary>
    public ClaimResult ClaimResult { get; set; } = ClaimResult.Claimed;

    /// <summary>When set, claims wait for the test to complete it.</summary>
    public TaskCompletionSource<ClaimResult>? PendingClaim { get; set; }

    public Message[] Forwarded
    {
        get { lock (_gate) return [.. _forwarded]; }
    }

    public string[] RoutesAdded
    {
        get { lock (_gate) return [.. _routesAdded]; }
    }

    public string[] RoutesRemoved
    {
        get { lock (_gate) return [.. _routesRemoved]; }
    }

    public string[] Claims
    {
        get { lock (_gate) return [.. _claims]; }
    }

    public string[] SessionsEnded
    {
        get { lock (_gate) return [.. _ended]; }
    }

    public Message[] SharedRetained
    {
        get { lock (_gate) return [.. _sharedRetained]; }
    }

    /// <summary>Every will given to the cluster, in order; null once a client's connection ended.</summary>
    public (string ClientId, ConnectWill? Will)[] Wills
    {
        get { lock (_gate) return [.. _wills]; }
    }

    /// <summary>Deliveries relayed to the node a session moved to, in order.</summary>
    public (string Node, string ClientId, Message Message, QualityOfService QoS)[] Relayed
    {
        get { lock (_gate) return [.. _relayed]; }
    }

    public void Relay(string node, string clientId, Message message, QualityOfService qos, bool retain, int[]? subscriptionIds)
    {
        lock (_gate)
            _relayed.Add((node, clientId, message, qos));
    }

    public void ShareRetained(Message message)
    {
        lock (_gate)
            _sharedRetained.Add(message);
    }

    public void SaveWill(string clientId, ConnectWill? will)
    {
        lock (_gate)
            _wills.Add((clientId, will));
    }

    public ForwardResult Forward(Message message)
    {
        lock (_gate)
            _forwarded.Add(message);
        return ForwardResult;
    }

    public void RouteAdded(string filter)
    {
        lock (_gate)
            _routesAdded.Add(filter);
    }

    public void RouteRemoved(string filter)
    {
        lock (_gate)
            _routesRemoved.Add(filter);
    }

    public ValueTask<ClaimResult> ClaimAsync(string clientId, CancellationToken cancellationToken)
    {
        lock (_gate)
            _claims.Add(clientId);
        return PendingClaim is { } pending ? new ValueTask<ClaimResult>(pending.Task) : ValueTask.FromResult(ClaimResult);
    }

    public void SessionEnded(string clientId)
    {
        lock (_gate)
            _ended.Add(clientId);
    }
}

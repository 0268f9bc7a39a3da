namespace Herald.Broker.Cluster;

/// <summary>
/// Where one message goes in a cluster, filled by <see cref="RouteTable.Match"/>: per other node,
/// whether its ordinary subscriptions want it and which shared groups it serves for this message;
/// and the groups served elsewhere, which this node must then leave out. Reused per thread.
/// </summary>
public sealed class RouteMatch
{
    private readonly Dictionary<string, NodeRoute> _nodes = new(StringComparer.Ordinal);
    private readonly HashSet<string> _elsewhere = new(StringComparer.Ordinal);
    private readonly string _self;

    public RouteMatch(string self) => _self = self;

    /// <summary>The other nodes to send the message to.</summary>
    public IReadOnlyCollection<NodeRoute> Targets => _nodes.Values;

    /// <summary>Shared groups (by key) another node serves for this message.</summary>
    public IReadOnlySet<string> GroupsElsewhere => _elsewhere;

    internal void Clear()
    {
        _nodes.Clear();
        _elsewhere.Clear();
    }

    internal void AddOrdinary(string node) => Target(node).Ordinary = true;

    internal void AddGroup(string groupKey, string node)
    {
        if (node == _self)
            return;
        _elsewhere.Add(groupKey);
        (Target(node).Groups ??= new HashSet<string>(StringComparer.Ordinal)).Add(groupKey);
    }

    private NodeRoute Target(string node)
    {
        if (!_nodes.TryGetValue(node, out var route))
            _nodes.Add(node, route = new NodeRoute(node));
        return route;
    }
}

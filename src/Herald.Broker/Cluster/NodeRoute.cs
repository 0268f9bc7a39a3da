namespace Herald.Broker.Cluster;

/// <summary>What one other node is asked to do with a message.</summary>
public sealed class NodeRoute(string node)
{
    public string Node { get; } = node;

    /// <summary>Its ordinary subscriptions get the message.</summary>
    public bool Ordinary { get; set; }

    /// <summary>The shared groups (by key) it delivers the message to.</summary>
    public HashSet<string>? Groups { get; set; }
}

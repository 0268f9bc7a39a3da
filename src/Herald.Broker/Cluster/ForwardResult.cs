namespace Herald.Broker.Cluster;

/// <summary>What <see cref="IClusterBus.Forward"/> did: to how many nodes it sent the message, and which shared groups they serve.</summary>
public readonly record struct ForwardResult(int Nodes, IReadOnlySet<string>? GroupsElsewhere);

namespace Herald.Server.Configuration;

/// <summary>The <c>Herald:Cluster</c> section: several nodes on one Redis acting as one broker.</summary>
public sealed class ClusterOptions
{
    /// <summary>
    /// A StackExchange.Redis configuration string ("127.0.0.1:6379", or the masters of a Redis
    /// Cluster); set, it turns clustering on, and persistent sessions and retained messages live in
    /// that Redis instead of herald.db. Unset, Herald is a single node.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>This node's name, unique in the cluster; by default the host name and the MQTT port.</summary>
    public string? NodeId { get; set; }

    /// <summary>Seconds without a heartbeat (one a second) after which a node is taken for dead and its sessions adopted by another.</summary>
    public int NodeTimeoutSeconds { get; set; } = 5;

    public bool Enabled => !string.IsNullOrWhiteSpace(Redis);
}

using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// The keys and channels of a Herald cluster in Redis (documented in the README). A node's keys
/// share the hash tag <c>{node}</c> and a session's key is tagged by its client id, so every
/// script touches one hash slot and runs on Redis Cluster as on a single server.
/// </summary>
internal static class ClusterKeys
{
    /// <summary>Hash: node → JSON of its addresses and start time; a node is in it while it is a member.</summary>
    public static readonly RedisKey Nodes = "herald:cluster:nodes";

    /// <summary>Hash: topic → a retained message (<see cref="Records.WriteMessage"/>), shared by every node.</summary>
    public static readonly RedisKey Retained = "herald:{retained}";

    /// <summary>Hash: topic → when its retained message expires (Unix ms), for the messages that do; in the slot of <see cref="Retained"/>.</summary>
    public static readonly RedisKey RetainedExpiry = "herald:{retained}:expiry";

    /// <summary>Counter: every node that joins takes the next number, the prefix of its message ids.</summary>
    public static readonly RedisKey Joins = "herald:cluster:joins";

    /// <summary>Route changes: a node's batch of them (see <see cref="PlannedWrite.Routes"/>), or "!node" (a node left).</summary>
    public static readonly RedisChannel RouteChanges = RedisChannel.Literal("herald:cluster:routes");

    /// <summary>String with a time to live, renewed every second while the node runs.</summary>
    public static RedisKey Alive(string node) => $"herald:node:{{{node}}}:alive";

    /// <summary>Stream of batches of forwarded messages and control requests for the node.</summary>
    public static RedisKey Inbox(string node) => $"herald:node:{{{node}}}:inbox";

    /// <summary>String: the node that adopted this dead node's sessions; forwards to it go there instead.</summary>
    public static RedisKey Dead(string node) => $"herald:node:{{{node}}}:dead";

    /// <summary>String lock held by the node adopting this one (itself, when it starts again).</summary>
    public static RedisKey Adopting(string node) => $"herald:node:{{{node}}}:adopting";

    /// <summary>Set of the filters the node has subscribers for.</summary>
    public static RedisKey Routes(string node) => $"herald:node:{{{node}}}:routes";

    /// <summary>Set of the client ids the node owns.</summary>
    public static RedisKey Sessions(string node) => $"herald:node:{{{node}}}:sessions";

    /// <summary>Hash of the node's counters and hot topics, renewed every second, with a time to live.</summary>
    public static RedisKey Stats(string node) => $"herald:node:{{{node}}}:stats";

    /// <summary>Channel on which the other nodes tell a node they applied its route announcement or retained messages ("node sequence").</summary>
    public static RedisChannel Applied(string node) => RedisChannel.Literal($"herald:node:{{{node}}}:applied");

    /// <summary>Channel a node is woken on when its inbox has something.</summary>
    public static RedisChannel Wake(string node) => RedisChannel.Literal($"herald:node:{{{node}}}:wake");

    /// <summary>
    /// Hash of one client id: <c>owner</c> (the node it belongs to) and, for a persistent session,
    /// <c>x</c> expiry, <c>u</c> username, <c>a</c> when its client left, <c>w</c> a delayed will,
    /// <c>s:{filter}</c> subscriptions, <c>d:{sequence}</c> deliveries with <c>p:{sequence}</c>
    /// their packet id and state, <c>q:{id}</c> incoming QoS 2 packet ids.
    /// </summary>
    public static RedisKey Session(string clientId) => $"herald:session:{{{clientId}}}";
}

using Herald.Broker.Sessions;
using Herald.Protocol;

namespace Herald.Broker.Routing;

/// <summary>
/// Every subscription of every session, as a trie of topic-filter levels, as Mosquitto's subs.c.
///
/// Matching a topic walks it level by level; at each node it follows the literal child, then
/// '+', and takes the subscribers of '#' (which also matches the parent level). A level is looked
/// up as a span of the topic through the dictionary's alternate lookup, so matching allocates
/// nothing. First-level wildcards do not match topics that start with '$' [MQTT-4.7.2-1].
///
/// A session has at most one subscription per filter, so it appears at most once per node; it
/// can appear under several nodes when its filters overlap ("a/+" and "a/#"). Only then are the
/// results merged, keeping one entry per session with the highest QoS granted [MQTT-3.3.5-1].
///
/// Publishers match concurrently under the read lock; SUBSCRIBE and UNSUBSCRIBE take the write
/// lock. Delivery happens after the lock is released.
/// </summary>
public sealed class SubscriptionTree
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Node _root = new(null, "");
    private int _count; // guarded by _lock (write)

    [ThreadStatic]
    private static Dictionary<Session, int>? t_positions;

    /// <summary>Number of subscriptions (filter and session pairs).</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds or replaces a session's subscription; returns true when it is new.</summary>
    public bool Subscribe(string filter, Session session, QualityOfService qos)
    {
        _lock.EnterWriteLock();
        try
        {
            var node = _root;
            foreach (var level in filter.Split(TopicRules.LevelSeparator))
            {
                if (!node.Children.TryGetValue(level, out var child))
                    node.Children.Add(level, child = new Node(node, level));
                node = child;
            }
            node.Subscribers ??= [];
            var added = node.Subscribers.TryAdd(session, qos);
            if (added)
                _count++;
            else
                node.Subscribers[session] = qos;
            return added;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Unsubscribe(string filter, Session session)
    {
        _lock.EnterWriteLock();
        try
        {
            var node = _root;
            foreach (var level in filter.Split(TopicRules.LevelSeparator))
            {
                if (!node.Children.TryGetValue(level, out node))
                    return false;
            }
            if (node.Subscribers is null || !node.Subscribers.Remove(session))
                return false;
            _count--;
            while (node.Parent is { } parent && node.Children.Count == 0 && (node.Subscribers is null || node.Subscribers.Count == 0))
            {
                parent.Children.Remove(node.Level);
                node = parent;
            }
            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Adds every session subscribed to <paramref name="topic"/> to <paramref name="results"/>, once each.</summary>
    public void Match(string topic, List<Subscriber> results)
    {
        var start = results.Count;
        var sets = 0;
        _lock.EnterReadLock();
        try
        {
            Collect(_root, topic, 0, root: true, results, ref sets);
        }
        finally
        {
            _lock.ExitReadLock();
        }
        if (sets > 1)
            MergeDuplicates(results, start);
    }

    private static void Collect(Node node, string topic, int start, bool root, List<Subscriber> results, ref int sets)
    {
        if (start < 0)
        {
            Add(node.Subscribers, results, ref sets);
            if (node.Children.TryGetValue("#", out var parentHash))
                Add(parentHash.Subscribers, results, ref sets);
            return;
        }

        var rest = topic.AsSpan(start);
        var separator = rest.IndexOf(TopicRules.LevelSeparator);
        var level = separator < 0 ? rest : rest[..separator];
        var next = separator < 0 ? -1 : start + separator + 1;

        if (!(root && TopicRules.IsSystemTopic(level)))
        {
            if (node.Children.TryGetValue("#", out var hash))
                Add(hash.Subscribers, results, ref sets);
            if (node.Children.TryGetValue("+", out var plus))
                Collect(plus, topic, next, root: false, results, ref sets);
        }
        if (node.Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(level, out var literal))
            Collect(literal, topic, next, root: false, results, ref sets);
    }

    private static void Add(Dictionary<Session, QualityOfService>? subscribers, List<Subscriber> results, ref int sets)
    {
        if (subscribers is null || subscribers.Count == 0)
            return;
        sets++;
        foreach (var (session, qos) in subscribers)
            results.Add(new Subscriber(session, qos));
    }

    private static void MergeDuplicates(List<Subscriber> results, int start)
    {
        var positions = t_positions ??= new Dictionary<Session, int>(ReferenceEqualityComparer.Instance);
        var write = start;
        for (var read = start; read < results.Count; read++)
        {
            var candidate = results[read];
            if (positions.TryGetValue(candidate.Session, out var at))
            {
                if (candidate.QoS > results[at].QoS)
                    results[at] = candidate;
                continue;
            }
            positions.Add(candidate.Session, write);
            results[write++] = candidate;
        }
        results.RemoveRange(write, results.Count - write);
        positions.Clear();
    }

    private sealed class Node(Node? parent, string level)
    {
        public Node? Parent { get; } = parent;
        public string Level { get; } = level;
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public Dictionary<Session, QualityOfService>? Subscribers { get; set; }
    }
}

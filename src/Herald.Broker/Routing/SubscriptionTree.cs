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
/// A node holds the ordinary subscriptions to its filter, one per session, and the shared
/// subscription groups on it (<c>$share/{name}/{filter}</c>), each of which yields one member per
/// message. A session can match under several nodes when its filters overlap ("a/+" and "a/#");
/// only then are the ordinary results merged into one delivery per session, with the highest QoS
/// granted and every subscription identifier [MQTT-3.3.4-2] [MQTT-3.3.4-3].
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

    /// <summary>Number of subscriptions (filter and session pairs), shared ones included.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>
    /// Told when a filter gets its first subscriber on this node (true) or loses its last (false):
    /// <c>a/+</c> for ordinary subscriptions, <c>$share/{name}/{filter}</c> for a shared group. A
    /// cluster keeps its route table by it. Called under the write lock, so it must only take note.
    /// </summary>
    public Action<string, bool>? RouteChanged { get; set; }

    /// <summary>Adds or replaces a session's subscription; returns true when it is new.</summary>
    public bool Subscribe(Session session, Subscription subscription)
    {
        _lock.EnterWriteLock();
        try
        {
            var node = _root;
            foreach (var level in subscription.TopicFilter.Split(TopicRules.LevelSeparator))
            {
                if (!node.Children.TryGetValue(level, out var child))
                    node.Children.Add(level, child = new Node(node, level));
                node = child;
            }
            bool added;
            if (subscription.ShareName is { } shareName)
            {
                node.Groups ??= new(StringComparer.Ordinal);
                if (!node.Groups.TryGetValue(shareName, out var group))
                    node.Groups.Add(shareName, group = new SharedGroup(shareName, subscription.TopicFilter));
                added = group.Set(session, subscription);
                if (added && group.Count == 1)
                    RouteChanged?.Invoke(group.Key, true);
            }
            else
            {
                node.Subscribers ??= [];
                added = node.Subscribers.TryAdd(session, subscription);
                if (!added)
                    node.Subscribers[session] = subscription;
                else if (node.Subscribers.Count == 1)
                    RouteChanged?.Invoke(subscription.TopicFilter, true);
            }
            if (added)
                _count++;
            return added;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Unsubscribe(Session session, Subscription subscription)
    {
        _lock.EnterWriteLock();
        try
        {
            var node = _root;
            foreach (var level in subscription.TopicFilter.Split(TopicRules.LevelSeparator))
            {
                if (!node.Children.TryGetValue(level, out node))
                    return false;
            }
            var removed = subscription.ShareName is { } shareName
                ? RemoveFromGroup(node, shareName, session)
                : node.Subscribers is not null && node.Subscribers.Remove(session);
            if (!removed)
                return false;
            if (subscription.ShareName is null && node.Subscribers!.Count == 0)
                RouteChanged?.Invoke(subscription.TopicFilter, false);
            _count--;
            while (node.Parent is { } parent && node.IsEmpty)
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

    /// <summary>
    /// Adds a delivery for every session subscribed to <paramref name="topic"/> to
    /// <paramref name="results"/>: one per session for ordinary subscriptions, skipping those with
    /// No Local when the session is the publisher [MQTT-3.8.3-3], and one member per shared group.
    /// </summary>
    public void Match(string topic, string? publisher, List<Subscriber> results) => Match(topic, publisher, results, MatchScope.All);

    /// <summary>As <see cref="Match(string, string?, List{Subscriber})"/>, delivering only to what <paramref name="scope"/> serves on this node.</summary>
    public void Match(string topic, string? publisher, List<Subscriber> results, MatchScope scope)
    {
        var start = results.Count;
        var collector = new Collector(publisher, results, scope);
        _lock.EnterReadLock();
        try
        {
            Walk(_root, topic, 0, root: true, ref collector);
        }
        finally
        {
            _lock.ExitReadLock();
        }
        if (collector.Sets > 1)
            MergeDuplicates(results, start);
    }

    /// <summary>
    /// How many receivers a message on <paramref name="topic"/> would have: each session with a
    /// matching subscription once, and each matching shared group once. Unlike <see cref="Match"/>
    /// it picks no group member, so counting leaves the groups' rotation alone.
    /// </summary>
    public int CountMatching(string topic)
    {
        var counter = new Counter(new HashSet<Session>(ReferenceEqualityComparer.Instance));
        _lock.EnterReadLock();
        try
        {
            Walk(_root, topic, 0, root: true, ref counter);
        }
        finally
        {
            _lock.ExitReadLock();
        }
        return counter.Sessions.Count + counter.Groups;
    }

    /// <summary>The shared group <c>$share/{shareName}/{topicFilter}</c>, if it has members.</summary>
    public SharedGroup? FindGroup(string shareName, string topicFilter)
    {
        _lock.EnterReadLock();
        try
        {
            var node = _root;
            foreach (var level in topicFilter.Split(TopicRules.LevelSeparator))
            {
                if (!node.Children.TryGetValue(level, out node))
                    return null;
            }
            return node.Groups?.GetValueOrDefault(shareName);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Another member of <paramref name="group"/> for a message its member <paramref name="excluded"/> can no longer take.</summary>
    public Subscriber? PickOther(SharedGroup group, Session excluded)
    {
        _lock.EnterReadLock();
        try
        {
            return group.Pick(excluded);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private bool RemoveFromGroup(Node node, string shareName, Session session)
    {
        if (node.Groups is null || !node.Groups.TryGetValue(shareName, out var group) || !group.Remove(session))
            return false;
        if (group.Count == 0)
        {
            node.Groups.Remove(shareName);
            RouteChanged?.Invoke(group.Key, false);
        }
        return true;
    }

    /// <summary>Every filter with a subscriber on this node, as <see cref="RouteChanged"/> names them, for a cluster to resynchronise its routes.</summary>
    public List<string> Routes()
    {
        var routes = new List<string>();
        _lock.EnterReadLock();
        try
        {
            Collect(_root, routes);
        }
        finally
        {
            _lock.ExitReadLock();
        }
        return routes;
    }

    private static void Collect(Node node, List<string> routes)
    {
        if (node.Subscribers is { Count: > 0 })
            routes.Add(node.Filter);
        if (node.Groups is { } groups)
        {
            foreach (var group in groups.Values)
                routes.Add(group.Key);
        }
        foreach (var child in node.Children.Values)
            Collect(child, routes);
    }

    /// <summary>
    /// Visits every node whose filter matches <paramref name="topic"/> from level <paramref name="start"/>
    /// on; '#' and '+' at the root skip topics beginning with '$' [MQTT-4.7.2-1]. Generic over a
    /// struct so the routing walk is specialised and allocates nothing.
    /// </summary>
    private static void Walk<TVisitor>(Node node, string topic, int start, bool root, ref TVisitor visitor) where TVisitor : struct, IVisitor
    {
        if (start < 0)
        {
            visitor.Visit(node);
            if (node.Children.TryGetValue("#", out var parentHash))
                visitor.Visit(parentHash);
            return;
        }

        var rest = topic.AsSpan(start);
        var separator = rest.IndexOf(TopicRules.LevelSeparator);
        var level = separator < 0 ? rest : rest[..separator];
        var next = separator < 0 ? -1 : start + separator + 1;

        if (!(root && TopicRules.IsSystemTopic(level)))
        {
            if (node.Children.TryGetValue("#", out var hash))
                visitor.Visit(hash);
            if (node.Children.TryGetValue("+", out var plus))
                Walk(plus, topic, next, root: false, ref visitor);
        }
        if (node.Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(level, out var literal))
            Walk(literal, topic, next, root: false, ref visitor);
    }

    private interface IVisitor
    {
        void Visit(Node node);
    }

    /// <summary>Collects the deliveries of <see cref="Match"/>.</summary>
    private struct Collector(string? publisher, List<Subscriber> results, MatchScope scope) : IVisitor
    {
        public int Sets;

        public void Visit(Node node) => Add(node, publisher, results, scope, ref Sets);
    }

    /// <summary>Counts the receivers of <see cref="CountMatching"/>.</summary>
    private struct Counter(HashSet<Session> sessions) : IVisitor
    {
        public readonly HashSet<Session> Sessions = sessions;
        public int Groups;

        public void Visit(Node node)
        {
            if (node.Subscribers is { } subscribers)
                Sessions.UnionWith(subscribers.Keys);
            Groups += node.Groups?.Count ?? 0;
        }
    }

    private static void Add(Node node, string? publisher, List<Subscriber> results, MatchScope scope, ref int sets)
    {
        if (scope.Ordinary && node.Subscribers is { Count: > 0 } subscribers)
        {
            sets++;
            foreach (var (session, subscription) in subscribers)
            {
                if (subscription.NoLocal && publisher is not null && session.ClientId == publisher)
                    continue;
                results.Add(Subscriber.Of(session, subscription));
            }
        }
        if (node.Groups is { } groups)
        {
            foreach (var group in groups.Values)
            {
                if (scope.Serves(group.Key) && group.Pick() is { } member)
                    results.Add(member);
            }
        }
    }

    private static void MergeDuplicates(List<Subscriber> results, int start)
    {
        var positions = t_positions ??= new Dictionary<Session, int>(ReferenceEqualityComparer.Instance);
        var write = start;
        for (var read = start; read < results.Count; read++)
        {
            var candidate = results[read];
            if (candidate.Group is null && positions.TryGetValue(candidate.Session, out var at))
            {
                var kept = results[at];
                results[at] = kept with
                {
                    QoS = candidate.QoS > kept.QoS ? candidate.QoS : kept.QoS,
                    RetainAsPublished = kept.RetainAsPublished || candidate.RetainAsPublished,
                    SubscriptionIds = Concat(kept.SubscriptionIds, candidate.SubscriptionIds),
                };
                continue;
            }
            if (candidate.Group is null)
                positions.Add(candidate.Session, write);
            results[write++] = candidate;
        }
        results.RemoveRange(write, results.Count - write);
        positions.Clear();
    }

    private static int[]? Concat(int[]? first, int[]? second) =>
        first is null ? second : second is null ? first : [.. first, .. second];

    private sealed class Node(Node? parent, string level)
    {
        public Node? Parent { get; } = parent;
        public string Level { get; } = level;

        /// <summary>The filter this node stands for, levels joined from the root.</summary>
        public string Filter => Parent is null || Parent.Parent is null ? Level : $"{Parent.Filter}/{Level}";
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public Dictionary<Session, Subscription>? Subscribers { get; set; }
        public Dictionary<string, SharedGroup>? Groups { get; set; }

        public bool IsEmpty => Children.Count == 0 && (Subscribers is null || Subscribers.Count == 0) && (Groups is null || Groups.Count == 0);
    }
}

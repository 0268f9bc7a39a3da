using Herald.Protocol;

namespace Herald.Broker.Cluster;

/// <summary>
/// Which nodes of a cluster have subscribers for which filters: each node's routes as it
/// announced them (<c>a/+</c> for ordinary subscriptions, <c>$share/{name}/{filter}</c> for a
/// shared group with members there), kept on every node so that a message is sent only to the
/// nodes that want it. A trie of filter levels like <see cref="Routing.SubscriptionTree"/>, with
/// node names where the tree has sessions; matched under a read lock by publishers on any thread.
///
/// A shared group may have members on several nodes; each message goes to one of them, in turn,
/// so the group's messages are spread over its nodes as its members' are spread over them.
/// </summary>
public sealed class RouteTable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Level _root = new();
    private readonly Dictionary<string, HashSet<string>> _routesByNode = new(StringComparer.Ordinal); // guarded by _lock

    /// <summary>The nodes with at least one route.</summary>
    public IReadOnlyList<string> Nodes
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return [.. _routesByNode.Keys];
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Number of (node, filter) routes.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                var count = 0;
                foreach (var routes in _routesByNode.Values)
                    count += routes.Count;
                return count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public void Add(string node, string filter)
    {
        _lock.EnterWriteLock();
        try
        {
            AddLocked(node, filter);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void Remove(string node, string filter)
    {
        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(node, filter);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Sets every route of <paramref name="node"/> at once (what it holds in Redis); an empty list forgets the node.</summary>
    public void Replace(string node, IEnumerable<string> filters)
    {
        _lock.EnterWriteLock();
        try
        {
            if (_routesByNode.TryGetValue(node, out var old))
            {
                foreach (var filter in old.ToList())
                    RemoveLocked(node, filter);
            }
            foreach (var filter in filters)
                AddLocked(node, filter);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// The nodes a message on <paramref name="topic"/> goes to, <paramref name="self"/> left out:
    /// those with an ordinary subscription matching it, and for each matching shared group the node
    /// whose turn it is (which may be <paramref name="self"/>, then nothing is sent for it).
    /// </summary>
    public void Match(string topic, string self, RouteMatch result)
    {
        result.Clear();
        _lock.EnterReadLock();
        try
        {
            Walk(_root, topic, 0, root: true, self, result);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>The next node in turn of the shared group <paramref name="groupKey"/> other than <paramref name="excluded"/>; null when it has none.</summary>
    public string? PickGroupNode(string groupKey, string excluded)
    {
        _lock.EnterReadLock();
        try
        {
            if (Find(groupKey, create: false) is not var (level, shareName) || shareName is null
                || level.Groups?.GetValueOrDefault(shareName) is not { } group)
                return null;
            for (var n = 0; n < group.Nodes.Count; n++)
            {
                var node = group.PickNode();
                if (node != excluded)
                    return node;
            }
            return null;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void AddLocked(string node, string filter)
    {
        if (!_routesByNode.TryGetValue(node, out var routes))
            _routesByNode.Add(node, routes = new HashSet<string>(StringComparer.Ordinal));
        if (!routes.Add(filter))
            return;
        var (level, shareKey) = Find(filter, create: true)!.Value;
        if (shareKey is null)
        {
            level.Nodes ??= new HashSet<string>(StringComparer.Ordinal);
            level.Nodes.Add(node);
            return;
        }
        level.Groups ??= new Dictionary<string, GroupRoute>(StringComparer.Ordinal);
        if (!level.Groups.TryGetValue(shareKey, out var group))
            level.Groups.Add(shareKey, group = new GroupRoute(filter));
        if (!group.Nodes.Contains(node, StringComparer.Ordinal))
            group.Nodes.Add(node);
    }

    private void RemoveLocked(string node, string filter)
    {
        if (!_routesByNode.TryGetValue(node, out var routes) || !routes.Remove(filter))
            return;
        if (routes.Count == 0)
            _routesByNode.Remove(node);
        if (Find(filter, create: false) is not var (level, shareKey))
            return;
        if (shareKey is null)
            level.Nodes?.Remove(node);
        else if (level.Groups is { } groups && groups.TryGetValue(shareKey, out var group))
        {
            group.Nodes.Remove(node);
            if (group.Nodes.Count == 0)
                groups.Remove(shareKey);
        }
        while (level.Parent is { } parent && level.IsEmpty)
        {
            parent.Children.Remove(level.Name);
            level = parent;
        }
    }

    /// <summary>The trie level of a route's filter and, for a shared group, its share name.</summary>
    private (Level Level, string? ShareName)? Find(string filter, bool create)
    {
        string? shareName = null;
        if (TopicRules.TrySplitShared(filter, out var name, out var topicFilter))
        {
            shareName = name;
            filter = topicFilter;
        }
        var level = _root;
        foreach (var part in filter.Split(TopicRules.LevelSeparator))
        {
            if (!level.Children.TryGetValue(part, out var child))
            {
                if (!create)
                    return null;
                level.Children.Add(part, child = new Level { Parent = level, Name = part });
            }
            level = child;
        }
        return (level, shareName);
    }

    private static void Walk(Level level, string topic, int start, bool root, string self, RouteMatch result)
    {
        if (start < 0)
        {
            Visit(level, self, result);
            if (level.Children.TryGetValue("#", out var parentHash))
                Visit(parentHash, self, result);
            return;
        }
        var rest = topic.AsSpan(start);
        var separator = rest.IndexOf(TopicRules.LevelSeparator);
        var name = separator < 0 ? rest : rest[..separator];
        var next = separator < 0 ? -1 : start + separator + 1;
        if (!(root && TopicRules.IsSystemTopic(name))) // [MQTT-4.7.2-1]
        {
            if (level.Children.TryGetValue("#", out var hash))
                Visit(hash, self, result);
            if (level.Children.TryGetValue("+", out var plus))
                Walk(plus, topic, next, root: false, self, result);
        }
        if (level.Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out var literal))
            Walk(literal, topic, next, root: false, self, result);
    }

    private static void Visit(Level level, string self, RouteMatch result)
    {
        if (level.Nodes is { } nodes)
        {
            foreach (var node in nodes)
            {
                if (node != self)
                    result.AddOrdinary(node);
            }
        }
        if (level.Groups is { } groups)
        {
            foreach (var group in groups.Values)
                result.AddGroup(group.Key, group.PickNode());
        }
    }

    private sealed class Level
    {
        public Level? Parent { get; init; }
        public string Name { get; init; } = "";
        public Dictionary<string, Level> Children { get; } = new(StringComparer.Ordinal);
        public HashSet<string>? Nodes { get; set; }
        public Dictionary<string, GroupRoute>? Groups { get; set; }

        public bool IsEmpty => Children.Count == 0 && (Nodes is null || Nodes.Count == 0) && (Groups is null || Groups.Count == 0);
    }

    /// <summary>A shared group's nodes, taking the group's messages in turn.</summary>
    private sealed class GroupRoute(string key)
    {
        private int _next;

        public string Key { get; } = key;

        public List<string> Nodes { get; } = [];

        public string PickNode() => Nodes[(int)((uint)Interlocked.Increment(ref _next) % (uint)Nodes.Count)];
    }
}

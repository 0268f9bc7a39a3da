using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Broker.Retained;

/// <summary>
/// Retained messages in a tree of topic levels, so a SUBSCRIBE walks only the branches its filter
/// can match instead of testing every retained topic.
/// </summary>
public sealed class InMemoryRetainedStore : IRetainedStore
{
    private readonly Lock _gate = new(); // guards the tree and _count
    private readonly Node _root = new(null, "");
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Set(Message message)
    {
        lock (_gate)
        {
            if (message.Payload.IsEmpty)
            {
                Clear(message.Topic);
                return;
            }
            // Levels are looked up as spans of the topic; a string is made only for a new node.
            var node = _root;
            foreach (var range in message.Topic.AsSpan().Split(TopicRules.LevelSeparator))
            {
                var level = message.Topic.AsSpan(range);
                if (!node.Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(level, out var child))
                {
                    var name = level.ToString();
                    node.Children.Add(name, child = new Node(node, name));
                }
                node = child;
            }
            if (node.Message is null)
                _count++;
            node.Message = message;
        }
    }

    public void Match(string filter, List<Message> results)
    {
        var levels = filter.Split(TopicRules.LevelSeparator);
        lock (_gate)
            Collect(_root, levels, 0, results);
    }

    public void RemoveExpired(TimeProvider time, List<Message> removed)
    {
        lock (_gate)
        {
            var expired = new List<Message>();
            CollectAll(_root, expired);
            foreach (var message in expired)
            {
                if (message.RemainingExpiry(time) == 0)
                {
                    Clear(message.Topic);
                    removed.Add(message);
                }
            }
        }
    }

    private void Clear(string topic)
    {
        var node = _root;
        foreach (var range in topic.AsSpan().Split(TopicRules.LevelSeparator))
        {
            if (!node.Children.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(topic.AsSpan(range), out node))
                return;
        }
        if (node.Message is null)
            return;
        node.Message = null;
        _count--;
        // Prune the branch so cleared topics do not hold memory.
        while (node.Parent is { } parent && node.Message is null && node.Children.Count == 0)
        {
            parent.Children.Remove(node.Level);
            node = parent;
        }
    }

    private static void Collect(Node node, string[] levels, int depth, List<Message> results)
    {
        if (depth == levels.Length)
        {
            if (node.Message is not null)
                results.Add(node.Message);
            return;
        }

        var level = levels[depth];
        var root = depth == 0;
        if (level.Length == 1 && level[0] == TopicRules.MultiLevelWildcard)
        {
            // '#' also matches the parent level: "a/#" matches "a" [MQTT-4.7.1-2].
            if (node.Message is not null && !root)
                results.Add(node.Message);
            foreach (var child in node.Children.Values)
            {
                if (!(root && TopicRules.IsSystemTopic(child.Level)))
                    CollectAll(child, results);
            }
        }
        else if (level.Length == 1 && level[0] == TopicRules.SingleLevelWildcard)
        {
            foreach (var child in node.Children.Values)
            {
                // [MQTT-4.7.2-1] a wildcard first level does not match topics starting with '$'.
                if (!(root && TopicRules.IsSystemTopic(child.Level)))
                    Collect(child, levels, depth + 1, results);
            }
        }
        else if (node.Children.TryGetValue(level, out var child))
        {
            Collect(child, levels, depth + 1, results);
        }
    }

    private static void CollectAll(Node node, List<Message> results)
    {
        if (node.Message is not null)
            results.Add(node.Message);
        foreach (var child in node.Children.Values)
            CollectAll(child, results);
    }

    private sealed class Node(Node? parent, string level)
    {
        public Node? Parent { get; } = parent;
        public string Level { get; } = level;
        public Dictionary<string, Node> Children { get; } = new(StringComparer.Ordinal);
        public Message? Message { get; set; }
    }
}

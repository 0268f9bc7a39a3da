using Herald.Broker.Sessions;
using Herald.Protocol;

namespace Herald.Broker.Routing;

/// <summary>
/// The members of one shared subscription <c>$share/{name}/{filter}</c> (section 4.8.2). Each
/// message goes to one member, round robin, skipping members whose client is offline while any
/// is online. Members change under the tree's write lock; picking runs under its read lock.
/// </summary>
public sealed class SharedGroup(string name, string topicFilter)
{
    private readonly List<KeyValuePair<Session, Subscription>> _members = [];
    private int _next;

    public string Name { get; } = name;

    public string TopicFilter { get; } = topicFilter;

    /// <summary><c>$share/{name}/{filter}</c>, as subscribed: the group's name in a cluster's route table.</summary>
    public string Key { get; } = $"{TopicRules.SharePrefix}{name}/{topicFilter}";

    internal int Count => _members.Count;

    /// <summary>Adds or replaces a member's subscription; true when the member is new.</summary>
    internal bool Set(Session session, Subscription subscription)
    {
        for (var i = 0; i < _members.Count; i++)
        {
            if (_members[i].Key == session)
            {
                _members[i] = new(session, subscription);
                return false;
            }
        }
        _members.Add(new(session, subscription));
        return true;
    }

    internal bool Remove(Session session)
    {
        for (var i = 0; i < _members.Count; i++)
        {
            if (_members[i].Key == session)
            {
                _members.RemoveAt(i);
                return true;
            }
        }
        return false;
    }

    /// <summary>The next member in turn, preferring online ones; null when there is none but <paramref name="excluded"/>.</summary>
    internal Subscriber? Pick(Session? excluded = null)
    {
        var count = _members.Count;
        if (count == 0)
            return null;
        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)count);
        Subscriber? offline = null;
        for (var n = 0; n < count; n++)
        {
            var (session, subscription) = _members[(start + n) % count];
            if (session == excluded)
                continue;
            if (session.IsConnected)
                return Subscriber.Of(session, subscription, this);
            offline ??= Subscriber.Of(session, subscription, this);
        }
        return offline;
    }
}

using System.Collections;
using System.Reflection;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>
/// The subscription trie on its own. Sessions come from a broker (their constructor is internal);
/// the tree under test is a fresh one, so only the subscriptions a test adds are in it.
/// </summary>
public sealed class SubscriptionTreeTests : IDisposable
{
    private readonly TestBroker _broker = new();
    private readonly SubscriptionTree _tree = new();

    public void Dispose() => _broker.Dispose();

    [Fact]
    public async Task Match_finds_every_session_whose_filter_matches()
    {
        var sessions = await SessionsAsync(8);
        var filters = new[] { "home/kitchen/temp", "home/+/temp", "home/#", "#", "+/+/+", "home/kitchen/+", "office/#", "home/+/humidity" };
        for (var i = 0; i < filters.Length; i++)
            Subscribe(filters[i], sessions[i], AtLeastOnce);

        Assert.Equal([0, 1, 2, 3, 4, 5], Matching("home/kitchen/temp", sessions));
        Assert.Equal([1, 2, 3, 4], Matching("home/hall/temp", sessions));
        Assert.Equal([2, 3], Matching("home", sessions));
        Assert.Equal([3, 6], Matching("office/desk", sessions));
        Assert.Equal([3, 6], Matching("office", sessions));
        Assert.Equal([2, 3, 4, 7], Matching("home/hall/humidity", sessions));
        Assert.Equal([3], Matching("garden/shed/door/lock", sessions));
        Assert.Equal([], Matching("$SYS/broker/uptime", sessions));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.5-1")]
    public async Task Match_returns_a_session_once_with_its_highest_qos()
    {
        var sessions = await SessionsAsync(2);
        Subscribe("a/+", sessions[0], AtMostOnce);
        Subscribe("a/#", sessions[0], ExactlyOnce);
        Subscribe("#", sessions[0], AtLeastOnce);
        Subscribe("a/b", sessions[1], AtLeastOnce);
        Subscribe("+/b", sessions[1], AtMostOnce);

        var results = new List<Subscriber>();
        _tree.Match("a/b", null, results);

        Assert.Equal(2, results.Count);
        Assert.Contains(new Subscriber(sessions[0], ExactlyOnce), results);
        Assert.Contains(new Subscriber(sessions[1], AtLeastOnce), results);
    }

    [Fact]
    public async Task Match_appends_to_the_results_and_leaves_earlier_entries_alone()
    {
        var sessions = await SessionsAsync(1);
        Subscribe("a/+", sessions[0], AtMostOnce);
        Subscribe("a/#", sessions[0], AtLeastOnce);
        var earlier = new Subscriber(sessions[0], ExactlyOnce);
        var results = new List<Subscriber> { earlier };

        _tree.Match("a/b", null, results);

        Assert.Equal([earlier, new Subscriber(sessions[0], AtLeastOnce)], results);
    }

    [Fact]
    public async Task Subscribe_replaces_the_qos_of_an_existing_subscription()
    {
        var sessions = await SessionsAsync(1);

        Assert.True(Subscribe("a", sessions[0], ExactlyOnce));
        Assert.False(Subscribe("a", sessions[0], AtMostOnce));

        Assert.Equal(1, _tree.Count);
        var results = new List<Subscriber>();
        _tree.Match("a", null, results);
        Assert.Equal([new Subscriber(sessions[0], AtMostOnce)], results);
    }

    [Fact]
    public async Task Unsubscribe_removes_only_that_session_from_that_filter()
    {
        var sessions = await SessionsAsync(2);
        Subscribe("a/b", sessions[0], AtMostOnce);
        Subscribe("a/b", sessions[1], AtMostOnce);
        Subscribe("a/+", sessions[0], AtMostOnce);

        Assert.True(Unsubscribe("a/b", sessions[0]));
        Assert.False(Unsubscribe("a/b", sessions[0]));
        Assert.False(Unsubscribe("a/c", sessions[0]));
        Assert.False(Unsubscribe("a/b/c", sessions[1]));

        Assert.Equal(2, _tree.Count);
        Assert.Equal([0, 1], Matching("a/b", sessions));
        Assert.Equal([0], Matching("a/x", sessions));
    }

    [Fact]
    public async Task Unsubscribe_prunes_branches_left_without_subscribers()
    {
        var sessions = await SessionsAsync(1);
        Subscribe("a/b/c", sessions[0], AtMostOnce);
        Subscribe("a/b/d", sessions[0], AtMostOnce);
        Subscribe("a/x", sessions[0], AtMostOnce);
        Subscribe("a", sessions[0], AtMostOnce);
        Assert.Equal(5, NodeCount(_tree)); // a, a/b, a/b/c, a/b/d, a/x

        Unsubscribe("a/b/c", sessions[0]);
        Assert.Equal(4, NodeCount(_tree));

        Unsubscribe("a/b/d", sessions[0]); // a/b has no subscriber and no child left
        Assert.Equal(2, NodeCount(_tree));

        Unsubscribe("a/x", sessions[0]);
        Assert.Equal(1, NodeCount(_tree)); // "a" keeps its own subscriber

        Unsubscribe("a", sessions[0]);
        Assert.Equal(0, NodeCount(_tree));
        Assert.Equal(0, _tree.Count);

        Subscribe("a/b/c", sessions[0], AtLeastOnce); // the pruned path is rebuilt
        Assert.Equal(3, NodeCount(_tree));
        Assert.Equal([new Subscriber(sessions[0], AtLeastOnce)], Match("a/b/c"));
    }

    [Fact]
    public async Task Hundred_thousand_subscriptions_still_match_exactly()
    {
        const int count = 100_000;
        var sessions = await SessionsAsync(10);
        for (var i = 0; i < count; i++)
            Subscribe($"devices/{i % 1000}/{i / 1000}/status", sessions[i % 10], AtLeastOnce);
        Subscribe("devices/+/+/status", sessions[0], ExactlyOnce);
        Subscribe("devices/999/#", sessions[1], AtMostOnce);

        Assert.Equal(count + 2, _tree.Count);
        Assert.Equal([new Subscriber(sessions[0], ExactlyOnce), new Subscriber(sessions[3], AtLeastOnce)], Sorted(Match("devices/123/45/status"), sessions));
        Assert.Equal([new Subscriber(sessions[0], ExactlyOnce), new Subscriber(sessions[1], AtMostOnce), new Subscriber(sessions[9], AtLeastOnce)], Sorted(Match("devices/999/99/status"), sessions));
        Assert.Equal([new Subscriber(sessions[0], ExactlyOnce)], Match("devices/1000/0/status"));
        Assert.Equal([], Match("devices/1/2/state"));

        for (var i = 0; i < count; i++)
            Assert.True(Unsubscribe($"devices/{i % 1000}/{i / 1000}/status", sessions[i % 10]));

        Assert.Equal(2, _tree.Count);
        Assert.Equal([new Subscriber(sessions[0], ExactlyOnce)], Match("devices/123/45/status"));
    }

    private bool Subscribe(string filter, Session session, QualityOfService qos) =>
        _tree.Subscribe(session, new Subscription(new TopicSubscription(filter, qos), null));

    private bool Unsubscribe(string filter, Session session) =>
        _tree.Unsubscribe(session, new Subscription(new TopicSubscription(filter, AtMostOnce), null));

    private async Task<Session[]> SessionsAsync(int count)
    {
        var sessions = new Session[count];
        for (var i = 0; i < count; i++)
        {
            await _broker.ConnectAsync($"s{i}");
            sessions[i] = _broker.SessionOf($"s{i}");
        }
        return sessions;
    }

    private List<Subscriber> Match(string topic)
    {
        var results = new List<Subscriber>();
        _tree.Match(topic, null, results);
        return results;
    }

    /// <summary>Indexes (into <paramref name="sessions"/>) of the sessions matching <paramref name="topic"/>, ascending.</summary>
    private int[] Matching(string topic, Session[] sessions) =>
        [.. Match(topic).Select(s => Array.IndexOf(sessions, s.Session)).Order()];

    private static List<Subscriber> Sorted(List<Subscriber> results, Session[] sessions) =>
        [.. results.OrderBy(s => Array.IndexOf(sessions, s.Session))];

    /// <summary>
    /// Nodes below the root. Pruning has no effect visible through the public surface but memory,
    /// so this reads the trie's private nodes; rename the fields and this helper must follow.
    /// </summary>
    private static int NodeCount(SubscriptionTree tree)
    {
        var root = typeof(SubscriptionTree).GetField("_root", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(tree)!;
        return CountBelow(root);

        static int CountBelow(object node)
        {
            var children = (IDictionary)node.GetType().GetProperty("Children")!.GetValue(node)!;
            var count = 0;
            foreach (var child in children.Values)
                count += 1 + CountBelow(child!);
            return count;
        }
    }
}

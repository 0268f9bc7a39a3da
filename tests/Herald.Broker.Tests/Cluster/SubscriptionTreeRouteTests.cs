using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Broker.Tests.Harness;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Cluster;

/// <summary>
/// What the subscription tree tells a cluster: the filters it gets a first or loses a last
/// subscriber for (<see cref="SubscriptionTree.RouteChanged"/>), all of them at once
/// (<see cref="SubscriptionTree.Routes"/>), and matching limited to what a node is to serve
/// (<see cref="MatchScope"/>). Sessions come from a broker; the tree under test is a fresh one.
/// </summary>
public sealed class SubscriptionTreeRouteTests : IDisposable
{
    private readonly TestBroker _broker = new();
    private readonly SubscriptionTree _tree = new();
    private readonly List<(string Filter, bool Added)> _changes = [];

    public SubscriptionTreeRouteTests() => _tree.RouteChanged = (filter, added) => _changes.Add((filter, added));

    public void Dispose() => _broker.Dispose();

    [Fact]
    public async Task Route_is_added_with_the_first_subscriber_and_removed_with_the_last()
    {
        var sessions = await SessionsAsync(2);

        Subscribe(sessions[0], "a/b");
        Assert.Equal([("a/b", true)], _changes);
        Subscribe(sessions[1], "a/b");
        Unsubscribe(sessions[0], "a/b");
        Assert.Equal([("a/b", true)], _changes);
        Unsubscribe(sessions[1], "a/b");

        Assert.Equal([("a/b", true), ("a/b", false)], _changes);
    }

    [Fact]
    public async Task Each_filter_has_its_own_route()
    {
        var sessions = await SessionsAsync(1);

        Subscribe(sessions[0], "a/+");
        Subscribe(sessions[0], "a/#");
        Subscribe(sessions[0], "#");
        Unsubscribe(sessions[0], "a/#");

        Assert.Equal([("a/+", true), ("a/#", true), ("#", true), ("a/#", false)], _changes);
    }

    [Fact]
    public async Task Shared_group_route_is_the_group_key_added_with_its_first_member_and_removed_with_its_last()
    {
        var sessions = await SessionsAsync(2);

        Subscribe(sessions[0], "$share/g/a/b");
        Subscribe(sessions[1], "$share/g/a/b");
        Assert.Equal([("$share/g/a/b", true)], _changes);
        Unsubscribe(sessions[1], "$share/g/a/b");
        Assert.Equal([("$share/g/a/b", true)], _changes);
        Unsubscribe(sessions[0], "$share/g/a/b");

        Assert.Equal([("$share/g/a/b", true), ("$share/g/a/b", false)], _changes);
    }

    [Fact]
    public async Task Group_and_ordinary_subscriptions_on_one_filter_are_separate_routes()
    {
        var sessions = await SessionsAsync(1);

        Subscribe(sessions[0], "a/b");
        Subscribe(sessions[0], "$share/g/a/b");
        Subscribe(sessions[0], "$share/h/a/b");
        Unsubscribe(sessions[0], "a/b");

        Assert.Equal([("a/b", true), ("$share/g/a/b", true), ("$share/h/a/b", true), ("a/b", false)], _changes);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-3")]
    public async Task Replacing_a_subscription_changes_no_route()
    {
        var sessions = await SessionsAsync(1);
        Subscribe(sessions[0], "a/b", AtMostOnce);
        Subscribe(sessions[0], "$share/g/a/b", AtMostOnce);
        _changes.Clear();

        Assert.False(Subscribe(sessions[0], "a/b", ExactlyOnce));
        Assert.False(Subscribe(sessions[0], "$share/g/a/b", ExactlyOnce));

        Assert.Empty(_changes);
    }

    [Fact]
    public async Task Unsubscribing_what_was_never_subscribed_changes_no_route()
    {
        var sessions = await SessionsAsync(2);
        Subscribe(sessions[0], "a/b");
        Subscribe(sessions[0], "$share/g/a/b");
        _changes.Clear();

        Assert.False(Unsubscribe(sessions[1], "a/b"));
        Assert.False(Unsubscribe(sessions[1], "$share/g/a/b"));
        Assert.False(Unsubscribe(sessions[0], "$share/h/a/b"));

        Assert.Empty(_changes);
    }

    [Fact]
    public async Task Routes_lists_every_filter_with_subscribers_and_every_group()
    {
        var sessions = await SessionsAsync(2);
        Subscribe(sessions[0], "a/b");
        Subscribe(sessions[1], "a/b");
        Subscribe(sessions[0], "a/+/c");
        Subscribe(sessions[0], "#");
        Subscribe(sessions[0], "/lead");
        Subscribe(sessions[0], "$SYS/#");
        Subscribe(sessions[0], "$share/g/a/b");
        Subscribe(sessions[1], "$share/g/x/#");
        Subscribe(sessions[0], "gone");
        Unsubscribe(sessions[0], "gone");

        Assert.Equal(["#", "$SYS/#", "$share/g/a/b", "$share/g/x/#", "/lead", "a/+/c", "a/b"], _tree.Routes().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Routes_name_the_filters_as_route_changes_do()
    {
        var sessions = await SessionsAsync(1);
        foreach (var filter in new[] { "a", "a/b/c", "/", "//x", "+/+", "$share/g/+", "$share/g//a" })
            Subscribe(sessions[0], filter);

        Assert.Equal(_changes.Select(c => c.Filter).Order(StringComparer.Ordinal), _tree.Routes().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Except_scope_skips_the_listed_group_and_still_delivers_the_rest()
    {
        var sessions = await SessionsAsync(3);
        Subscribe(sessions[0], "jobs");
        Subscribe(sessions[1], "$share/g/jobs");
        Subscribe(sessions[2], "$share/h/jobs");

        var results = Match("jobs", MatchScope.Except(new HashSet<string> { "$share/g/jobs" }));

        Assert.Equal([sessions[0], sessions[2]], Sessions(results, sessions));
        Assert.Null(results.Single(r => r.Session == sessions[0]).Group);
        Assert.Equal("$share/h/jobs", results.Single(r => r.Session == sessions[2]).Group!.Key);
    }

    [Fact]
    public async Task Except_scope_with_no_groups_delivers_to_everything()
    {
        var sessions = await SessionsAsync(2);
        Subscribe(sessions[0], "jobs");
        Subscribe(sessions[1], "$share/g/jobs");

        Assert.Equal([sessions[0], sessions[1]], Sessions(Match("jobs", MatchScope.Except(null)), sessions));
        Assert.Equal([sessions[0], sessions[1]], Sessions(Match("jobs", MatchScope.Except(new HashSet<string>())), sessions));
    }

    [Fact]
    public async Task Forwarded_scope_for_one_group_delivers_only_to_a_member_of_it()
    {
        var sessions = await SessionsAsync(4);
        Subscribe(sessions[0], "jobs");
        Subscribe(sessions[1], "$share/g/jobs");
        Subscribe(sessions[2], "$share/h/jobs");
        Subscribe(sessions[3], "#");

        var results = Match("jobs", MatchScope.Forwarded(ordinary: false, new HashSet<string> { "$share/g/jobs" }));

        var only = Assert.Single(results);
        Assert.Equal(sessions[1], only.Session);
        Assert.Equal("$share/g/jobs", only.Group!.Key);
    }

    [Fact]
    public async Task Forwarded_scope_for_ordinary_subscriptions_delivers_to_no_group()
    {
        var sessions = await SessionsAsync(3);
        Subscribe(sessions[0], "jobs");
        Subscribe(sessions[1], "$share/g/jobs");
        Subscribe(sessions[2], "+");

        var results = Match("jobs", MatchScope.Forwarded(ordinary: true, groups: null));

        Assert.Equal([sessions[0], sessions[2]], Sessions(results, sessions));
        Assert.All(results, r => Assert.Null(r.Group));
    }

    [Fact]
    public async Task Forwarded_scope_takes_its_groups_members_in_turn()
    {
        var sessions = await SessionsAsync(2);
        Subscribe(sessions[0], "$share/g/jobs");
        Subscribe(sessions[1], "$share/g/jobs");
        var scope = MatchScope.Forwarded(ordinary: false, new HashSet<string> { "$share/g/jobs" });

        var picked = Enumerable.Range(0, 4).Select(_ => Assert.Single(Match("jobs", scope)).Session).ToList();

        Assert.Equal(2, picked.Distinct().Count());
        Assert.NotEqual(picked[0], picked[1]);
    }

    private bool Subscribe(Session session, string filter, Protocol.QualityOfService qos = AtLeastOnce) =>
        _tree.Subscribe(session, new Subscription(new TopicSubscription(filter, qos), null));

    private bool Unsubscribe(Session session, string filter) =>
        _tree.Unsubscribe(session, new Subscription(new TopicSubscription(filter, AtMostOnce), null));

    private List<Subscriber> Match(string topic, MatchScope scope)
    {
        var results = new List<Subscriber>();
        _tree.Match(topic, null, results, scope);
        return results;
    }

    /// <summary>The sessions of <paramref name="results"/>, in the order of <paramref name="sessions"/>.</summary>
    private static Session[] Sessions(List<Subscriber> results, Session[] sessions) =>
        [.. results.Select(r => r.Session).OrderBy(s => Array.IndexOf(sessions, s))];

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
}

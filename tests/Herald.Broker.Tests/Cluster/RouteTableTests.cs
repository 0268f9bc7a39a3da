using Herald.Broker.Cluster;

namespace Herald.Broker.Tests.Cluster;

/// <summary>
/// The cluster's route table on its own: which other nodes a message on a topic goes to, by the
/// filters each node announced, and which node takes a shared group's message in turn.
/// </summary>
public sealed class RouteTableTests
{
    private const string Self = "self";

    private readonly RouteTable _routes = new();

    [Theory]
    [InlineData("a/b", "a/b")]
    [InlineData("a/+", "a/b")]
    [InlineData("+/b", "a/b")]
    [InlineData("+/+", "a/b")]
    [InlineData("#", "a/b")]
    [InlineData("a/#", "a/b/c")]
    [InlineData("a/#", "a")]
    [InlineData("+/#", "a")]
    [InlineData("/a", "/a")]
    [InlineData("+/a", "/a")]
    [InlineData("$SYS/#", "$SYS/broker/uptime")]
    [InlineData("$SYS/+/uptime", "$SYS/broker/uptime")]
    public void Match_targets_a_node_whose_ordinary_route_matches_the_topic(string filter, string topic)
    {
        _routes.Add("n1", filter);

        var target = Assert.Single(Match(topic).Targets);

        Assert.Equal("n1", target.Node);
        Assert.True(target.Ordinary);
        Assert.Null(target.Groups);
    }

    [Theory]
    [InlineData("a/b", "a/c")]
    [InlineData("a/+", "a/b/c")]
    [InlineData("a/+", "a")]
    [InlineData("a/#", "b")]
    [InlineData("+", "/a")]
    [InlineData("a/b/c", "a/b")]
    public void Match_targets_no_node_whose_route_does_not_match(string filter, string topic)
    {
        _routes.Add("n1", filter);

        Assert.Empty(Match(topic).Targets);
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.2-1")]
    [InlineData("#")]
    [InlineData("+/broker/uptime")]
    [InlineData("+/#")]
    [InlineData("$share/g/#")]
    [InlineData("$share/g/+/broker/uptime")]
    public void Root_wildcards_do_not_route_topics_beginning_with_dollar(string filter)
    {
        _routes.Add("n1", filter);

        var match = Match("$SYS/broker/uptime");

        Assert.Empty(match.Targets);
        Assert.Empty(match.GroupsElsewhere);
    }

    [Fact]
    public void Match_never_targets_the_node_asking()
    {
        _routes.Add(Self, "a/b");
        _routes.Add(Self, "#");
        _routes.Add("n1", "a/+");

        var match = Match("a/b");

        Assert.Equal(["n1"], match.Targets.Select(t => t.Node));
    }

    [Fact]
    public void Node_with_several_matching_routes_is_targeted_once()
    {
        _routes.Add("n1", "a/b");
        _routes.Add("n1", "a/+");
        _routes.Add("n1", "#");
        _routes.Add("n2", "a/#");

        var match = Match("a/b");

        Assert.Equal(["n1", "n2"], match.Targets.Select(t => t.Node).Order());
    }

    [Fact]
    public void Removed_route_no_longer_matches_but_the_others_do()
    {
        _routes.Add("n1", "a/b");
        _routes.Add("n2", "a/b");
        _routes.Add("n1", "a/b/c");

        _routes.Remove("n1", "a/b");

        Assert.Equal(["n2"], Match("a/b").Targets.Select(t => t.Node));
        Assert.Equal(["n1"], Match("a/b/c").Targets.Select(t => t.Node));
    }

    [Fact]
    public void Removing_a_route_never_added_changes_nothing()
    {
        _routes.Add("n1", "a/b");

        _routes.Remove("n1", "a/c");
        _routes.Remove("n2", "a/b");
        _routes.Remove("n1", "$share/g/a/b");

        Assert.Equal(["n1"], Match("a/b").Targets.Select(t => t.Node));
        Assert.Equal(1, _routes.Count);
    }

    [Fact]
    public void Replace_forgets_the_node_routes_it_does_not_list()
    {
        _routes.Add("n1", "a/b");
        _routes.Add("n1", "$share/g/jobs");
        _routes.Add("n2", "a/b");

        _routes.Replace("n1", ["c/d"]);

        Assert.Equal(["n2"], Match("a/b").Targets.Select(t => t.Node));
        Assert.Empty(Match("jobs").Targets);
        Assert.Equal(["n1"], Match("c/d").Targets.Select(t => t.Node));
        Assert.Equal(2, _routes.Count);
    }

    [Fact]
    public void Replace_with_no_routes_forgets_the_node()
    {
        _routes.Add("n1", "a/b");
        _routes.Add("n1", "$share/g/jobs");
        _routes.Add("n2", "x");

        _routes.Replace("n1", []);

        Assert.Equal(["n2"], _routes.Nodes);
        Assert.Empty(Match("a/b").Targets);
        Assert.Empty(Match("jobs").GroupsElsewhere);
    }

    [Fact]
    public void Nodes_and_count_follow_adds_and_removes()
    {
        _routes.Add("n1", "a/b");
        _routes.Add("n1", "a/b"); // again: one route
        _routes.Add("n1", "$share/g/a/b");
        _routes.Add("n2", "a/b");

        Assert.Equal(["n1", "n2"], _routes.Nodes.Order());
        Assert.Equal(3, _routes.Count);

        _routes.Remove("n1", "a/b");
        _routes.Remove("n1", "$share/g/a/b");

        Assert.Equal(["n2"], _routes.Nodes);
        Assert.Equal(1, _routes.Count);
    }

    [Fact]
    public void Shared_group_on_two_nodes_takes_each_message_on_one_of_them_in_turn()
    {
        _routes.Add("n1", "$share/g/jobs");
        _routes.Add("n2", "$share/g/jobs");

        var picks = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var match = Match("jobs");
            var target = Assert.Single(match.Targets);
            Assert.False(target.Ordinary);
            Assert.Equal(["$share/g/jobs"], target.Groups!);
            Assert.Equal(["$share/g/jobs"], match.GroupsElsewhere);
            picks.Add(target.Node);
        }

        for (var i = 1; i < picks.Count; i++)
            Assert.NotEqual(picks[i - 1], picks[i]);
        Assert.Equal(["n1", "n2"], picks.Distinct().Order());
    }

    [Fact]
    public void Shared_group_whose_turn_is_here_sends_nothing_and_is_not_served_elsewhere()
    {
        _routes.Add(Self, "$share/g/jobs");
        _routes.Add("n1", "$share/g/jobs");

        var first = Snapshot(Match("jobs"));
        var second = Snapshot(Match("jobs"));

        // One of two consecutive messages is this node's turn: for it nothing is sent and the group is served here.
        var (here, there) = first.Targets.Count == 0 ? (first, second) : (second, first);
        Assert.Empty(here.Targets);
        Assert.Empty(here.GroupsElsewhere);
        Assert.Equal(["n1"], there.Targets);
        Assert.Equal(["$share/g/jobs"], there.GroupsElsewhere);
    }

    [Fact]
    public void Shared_group_only_on_this_node_sends_nothing()
    {
        _routes.Add(Self, "$share/g/jobs");

        for (var i = 0; i < 3; i++)
        {
            var match = Match("jobs");
            Assert.Empty(match.Targets);
            Assert.Empty(match.GroupsElsewhere);
        }
    }

    [Fact]
    public void Ordinary_route_and_group_on_one_node_make_one_target_with_both()
    {
        _routes.Add("n1", "jobs");
        _routes.Add("n1", "$share/g/jobs");

        var target = Assert.Single(Match("jobs").Targets);

        Assert.True(target.Ordinary);
        Assert.Equal(["$share/g/jobs"], target.Groups!);
    }

    [Fact]
    public void Each_matching_group_is_picked_once_per_message()
    {
        // Two shared subscriptions of one share name on overlapping filters are two groups
        // (a shared subscription is its share name and its filter): each takes the message once,
        // as SubscriptionTree does on one node.
        _routes.Add("n1", "$share/g/a/#");
        _routes.Add("n1", "$share/g/a/+");
        _routes.Add("n2", "$share/g/a/#");

        for (var i = 0; i < 4; i++)
        {
            var match = Match("a/b");
            Assert.Equal(["$share/g/a/#", "$share/g/a/+"], match.GroupsElsewhere.Order());
            var picked = match.Targets.SelectMany(t => t.Groups!).ToList();
            Assert.Equal(["$share/g/a/#", "$share/g/a/+"], picked.Order());
        }
    }

    [Fact]
    public void Group_left_by_one_node_goes_to_the_other_every_time()
    {
        _routes.Add("n1", "$share/g/jobs");
        _routes.Add("n2", "$share/g/jobs");

        _routes.Remove("n1", "$share/g/jobs");

        for (var i = 0; i < 3; i++)
            Assert.Equal(["n2"], Match("jobs").Targets.Select(t => t.Node));
    }

    [Fact]
    public void Match_clears_what_the_previous_match_found()
    {
        _routes.Add("n1", "a");
        _routes.Add("n2", "$share/g/a");
        var match = new RouteMatch(Self);

        _routes.Match("a", Self, match);
        _routes.Match("b", Self, match);

        Assert.Empty(match.Targets);
        Assert.Empty(match.GroupsElsewhere);
    }

    private RouteMatch Match(string topic)
    {
        var match = new RouteMatch(Self);
        _routes.Match(topic, Self, match);
        return match;
    }

    /// <summary>What a match found, copied: a <see cref="RouteMatch"/> is refilled by the next match.</summary>
    private static (List<string> Targets, List<string> GroupsElsewhere) Snapshot(RouteMatch match) =>
        ([.. match.Targets.Select(t => t.Node)], [.. match.GroupsElsewhere]);
}

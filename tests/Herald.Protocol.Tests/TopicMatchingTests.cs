namespace Herald.Protocol.Tests;

/// <summary>
/// <see cref="TopicRules.Matches"/> (a filter against a topic name, section 4.7) and
/// <see cref="TopicRules.Covers"/> (a filter against a filter, how an ACL rule bounds a subscription).
/// </summary>
public sealed class TopicMatchingTests
{
    [Theory]
    [InlineData("a/b/c", "a/b/c", true)]
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("A/b", "a/b", false)] // topics are case sensitive
    [InlineData("a/b ", "a/b", false)]
    [InlineData("ü/€", "ü/€", true)]
    public void Filter_without_wildcards_matches_the_same_topic_only(string filter, string topic, bool expected) =>
        Assert.Equal(expected, TopicRules.Matches(filter, topic));

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-3")]
    [InlineData("a/+/c", "a/b/c", true)]
    [InlineData("a/+/c", "a/b/d", false)]
    [InlineData("a/+", "a/b/c", false)] // one level, never more
    [InlineData("a/+", "a", false)] // nor none
    [InlineData("+", "a", true)]
    [InlineData("+", "a/b", false)]
    [InlineData("+/+", "a/b", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1", true)]
    [InlineData("sport/tennis/+", "sport/tennis/player1/ranking", false)]
    [InlineData("sport/+", "sport", false)] // spec example
    [InlineData("sport/+", "sport/", true)] // spec example: '+' matches an empty level
    [InlineData("+/+", "/finance", true)] // spec example
    [InlineData("/+", "/finance", true)] // spec example
    [InlineData("+", "/finance", false)] // spec example
    [InlineData("+", "/", false)]
    [InlineData("+/", "a/", true)]
    [InlineData("a/+/b", "a//b", true)]
    public void Single_level_wildcard_matches_exactly_one_level(string filter, string topic, bool expected) =>
        Assert.Equal(expected, TopicRules.Matches(filter, topic));

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [InlineData("#", "a", true)]
    [InlineData("#", "a/b/c", true)]
    [InlineData("#", "/", true)]
    [InlineData("#", "/a", true)]
    [InlineData("a/#", "a/b", true)]
    [InlineData("a/#", "a/b/c/d", true)]
    [InlineData("a/#", "a", true)] // the parent level too
    [InlineData("a/#", "a/", true)]
    [InlineData("a/#", "ab", false)]
    [InlineData("a/#", "ab/c", false)]
    [InlineData("a/#", "b/a", false)]
    [InlineData("a/b/#", "a/b", true)]
    [InlineData("a/b/#", "a", false)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1", true)] // spec examples
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/ranking", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true)]
    [InlineData("sport/tennis/player1/#", "sport/tennis/player2", false)]
    [InlineData("+/#", "a", true)]
    [InlineData("+/#", "a/b/c", true)]
    [InlineData("/#", "/a", true)]
    [InlineData("/#", "a", false)]
    public void Multi_level_wildcard_matches_the_rest_and_the_parent_level(string filter, string topic, bool expected) =>
        Assert.Equal(expected, TopicRules.Matches(filter, topic));

    [Theory]
    [InlineData("a//b", "a//b", true)]
    [InlineData("a//b", "a/b", false)]
    [InlineData("a/b", "a//b", false)]
    [InlineData("/", "/", true)]
    [InlineData("/a", "a", false)]
    [InlineData("a/", "a", false)]
    [InlineData("//#", "//x/y", true)]
    public void Empty_levels_are_levels_like_any_other(string filter, string topic, bool expected) =>
        Assert.Equal(expected, TopicRules.Matches(filter, topic));

    [Theory]
    [Trait("Spec", "MQTT-4.7.2-1")]
    [InlineData("#", "$SYS/broker/clients", false)]
    [InlineData("#", "$SYS", false)]
    [InlineData("#", "$", false)]
    [InlineData("+/broker/clients", "$SYS/broker/clients", false)]
    [InlineData("+/monitor/Clients", "$SYS/monitor/Clients", false)] // spec example
    [InlineData("+", "$SYS", false)]
    [InlineData("+/#", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/broker/clients", true)] // spec example
    [InlineData("$SYS/#", "$SYS", true)]
    [InlineData("$SYS/monitor/+", "$SYS/monitor/Clients", true)] // spec example
    [InlineData("$SYS/+/clients", "$SYS/broker/clients", true)]
    [InlineData("a/#", "a/$SYS", true)] // only a first level starting with '$' is set apart
    [InlineData("a/+", "a/$x", true)]
    public void Filter_starting_with_a_wildcard_does_not_match_a_dollar_topic(string filter, string topic, bool expected) =>
        Assert.Equal(expected, TopicRules.Matches(filter, topic));

    [Theory]
    [InlineData("a/b", "a/b")]
    [InlineData("a/+", "a/+")]
    [InlineData("a/#", "a/#")]
    [InlineData("#", "#")]
    [InlineData("+", "+")]
    [InlineData("+/+/#", "+/+/#")]
    [InlineData("a//b", "a//b")]
    [InlineData("$SYS/#", "$SYS/#")]
    public void Filter_covers_itself(string outer, string inner) =>
        Assert.True(TopicRules.Covers(outer, inner));

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [Trait("Spec", "MQTT-4.7.1-3")]
    [InlineData("#", "a/+/c", true)]
    [InlineData("#", "a", true)]
    [InlineData("a/#", "a/+/c", true)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("a/#", "a", true)] // "a/#" matches "a" itself
    [InlineData("a/#", "a/+", true)]
    [InlineData("a/#", "a/b/#", true)]
    [InlineData("a/+", "a/b", true)]
    [InlineData("+/+", "a/b", true)]
    [InlineData("+/#", "a/+/#", true)]
    [InlineData("a/+/#", "a/b", true)]
    [InlineData("+", "a", true)]
    [InlineData("a//#", "a//b", true)]
    [InlineData("a/+", "a/#", false)] // "a/#" also matches "a/b/c"
    [InlineData("a/b/#", "a/#", false)]
    [InlineData("a/+/#", "a/#", false)] // "a/#" also matches "a"
    [InlineData("+/b", "a/+", false)]
    [InlineData("a/+", "+/b", false)]
    [InlineData("a/+", "a/+/c", false)]
    [InlineData("a/+", "a", false)]
    [InlineData("+", "#", false)]
    [InlineData("+/+", "+/#", false)]
    [InlineData("a", "+", false)]
    [InlineData("a/b", "a/+", false)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("a/#", "b/#", false)]
    [InlineData("a/#", "ab/c", false)]
    public void Filter_covers_another_when_it_matches_every_topic_the_other_matches(string outer, string inner, bool expected) =>
        Assert.Equal(expected, TopicRules.Covers(outer, inner));

    [Theory]
    [Trait("Spec", "MQTT-4.7.2-1")]
    [InlineData("#", "$SYS/#", false)]
    [InlineData("#", "$SYS", false)]
    [InlineData("+/#", "$SYS/x", false)]
    [InlineData("+/+", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/+", true)]
    [InlineData("$SYS/#", "$SYS", true)]
    [InlineData("$SYS/#", "$SYS/broker/#", true)]
    public void Wildcard_first_level_does_not_cover_dollar_topics(string outer, string inner, bool expected) =>
        Assert.Equal(expected, TopicRules.Covers(outer, inner));

    private static readonly string[] Filters =
    [
        "#", "+", "a", "a/#", "a/+", "a/b", "a/+/c", "a/b/#", "+/b", "+/+", "+/#", "a/+/#",
        "/#", "/+", "a//b", "a/+/+", "$SYS/#", "$SYS/+", "+/b/#",
    ];

    private static readonly string[] Topics =
    [
        "a", "b", "a/b", "a/c", "b/b", "a/b/c", "a/x/c", "a/b/d", "a/", "/", "/a", "a//b", "a/b/c/d",
        "$SYS", "$SYS/x", "$SYS/x/y", "x/b/y",
    ];

    public static TheoryData<string, string> FilterPairs()
    {
        var pairs = new TheoryData<string, string>();
        foreach (var outer in Filters)
        {
            foreach (var inner in Filters)
                pairs.Add(outer, inner);
        }
        return pairs;
    }

    /// <summary>What <see cref="TopicRules.Covers"/> promises, checked against a sample of topic names.</summary>
    [Theory]
    [MemberData(nameof(FilterPairs))]
    public void Covering_filter_matches_every_sample_topic_the_covered_one_matches(string outer, string inner)
    {
        if (!TopicRules.Covers(outer, inner))
            return;
        foreach (var topic in Topics)
        {
            if (TopicRules.Matches(inner, topic))
                Assert.True(TopicRules.Matches(outer, topic), $"'{outer}' covers '{inner}', which matches '{topic}', but '{outer}' does not");
        }
    }

    /// <summary>Not covering is not over-cautious: each of these has a witness among the samples.</summary>
    [Theory]
    [InlineData("a/+", "a/#")] // "a" and "a/b/c" match "a/#" only
    [InlineData("+/b", "a/+")] // "a/c"
    [InlineData("a/+/#", "a/#")] // "a"
    [InlineData("+/#", "$SYS/+")] // "$SYS/x"
    public void Filter_that_does_not_cover_another_misses_a_topic_the_other_matches(string outer, string inner)
    {
        Assert.False(TopicRules.Covers(outer, inner));
        Assert.Contains(Topics, topic => TopicRules.Matches(inner, topic) && !TopicRules.Matches(outer, topic));
    }
}

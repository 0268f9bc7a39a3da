namespace Herald.Protocol.Tests;

/// <summary>Topic names and topic filters (section 4.7).</summary>
public sealed class TopicRulesTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("/")]
    [InlineData("a/b")]
    [InlineData("a//b")]
    [InlineData("/a")]
    [InlineData("a/")]
    [InlineData(" ")]
    [InlineData("sport/tennis/player1")]
    [InlineData("$SYS/broker/clients")]
    [InlineData("ü/€/😀")]
    public void Topic_name_without_wildcards_is_valid(string topic) =>
        Assert.True(TopicRules.IsValidTopicName(topic));

    [Fact]
    [Trait("Spec", "MQTT-4.7.3-1")]
    public void Empty_topic_name_is_invalid() =>
        Assert.False(TopicRules.IsValidTopicName(""));

    [Theory]
    [Trait("Spec", "MQTT-3.3.2-2")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("a/+")]
    [InlineData("a/#")]
    [InlineData("+/a")]
    [InlineData("a+b")]
    [InlineData("sport/tennis#")]
    public void Topic_name_with_a_wildcard_is_invalid(string topic) =>
        Assert.False(TopicRules.IsValidTopicName(topic));

    [Theory]
    [InlineData("a")]
    [InlineData("/")]
    [InlineData("a//b")]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("+/+")]
    [InlineData("/+")]
    [InlineData("+/")]
    [InlineData("/#")]
    [InlineData("+/#")]
    [InlineData("a/+/b")]
    [InlineData("sport/tennis/#")]
    [InlineData("sport/+/player1")]
    [InlineData("$SYS/#")]
    [InlineData("ü/+/€")]
    public void Topic_filter_with_well_placed_wildcards_is_valid(string filter) =>
        Assert.True(TopicRules.IsValidTopicFilter(filter));

    [Fact]
    [Trait("Spec", "MQTT-4.7.3-1")]
    public void Empty_topic_filter_is_invalid() =>
        Assert.False(TopicRules.IsValidTopicFilter(""));

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [InlineData("a/#/b")]
    [InlineData("#/")]
    [InlineData("#/a")]
    [InlineData("#a")]
    [InlineData("a#")]
    [InlineData("sport/tennis#")]
    [InlineData("##")]
    [InlineData("+#")]
    [InlineData("#+")]
    public void Topic_filter_with_multi_level_wildcard_not_alone_in_the_last_level_is_invalid(string filter) =>
        Assert.False(TopicRules.IsValidTopicFilter(filter));

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-3")]
    [InlineData("a+")]
    [InlineData("+a")]
    [InlineData("sport+")]
    [InlineData("a/+b")]
    [InlineData("a/b+/c")]
    [InlineData("++")]
    [InlineData("+/++")]
    public void Topic_filter_with_single_level_wildcard_not_alone_in_its_level_is_invalid(string filter) =>
        Assert.False(TopicRules.IsValidTopicFilter(filter));

    [Theory]
    [Trait("Spec", "MQTT-4.7.2-1")]
    [InlineData("$SYS/broker/uptime")]
    [InlineData("$SYS")]
    [InlineData("$")]
    [InlineData("$share/x")]
    public void Topic_starting_with_dollar_is_a_system_topic(string topic) =>
        Assert.True(TopicRules.IsSystemTopic(topic));

    [Theory]
    [Trait("Spec", "MQTT-4.7.2-1")]
    [InlineData("")]
    [InlineData("SYS/broker")]
    [InlineData("a/$SYS")]
    [InlineData(" $SYS")]
    [InlineData("/$SYS")]
    public void Topic_not_starting_with_dollar_is_not_a_system_topic(string topic) =>
        Assert.False(TopicRules.IsSystemTopic(topic));
}

namespace Herald.Protocol.Tests;

/// <summary>Shared subscription filters, <c>$share/{ShareName}/{filter}</c> (section 4.8.2).</summary>
public sealed class Mqtt5SharedSubscriptionTests
{
    [Theory]
    [InlineData("$share/g/a/#", "g", "a/#")]
    [InlineData("$share/g/t", "g", "t")]
    [InlineData("$share/consumer1/sport/tennis/+", "consumer1", "sport/tennis/+")]
    [InlineData("$share/g/#", "g", "#")]
    [InlineData("$share/g/+", "g", "+")]
    [InlineData("$share/g//", "g", "/")]
    [InlineData("$share/ü€/a", "ü€", "a")]
    public void Shared_filter_splits_into_share_name_and_topic_filter(string filter, string shareName, string topicFilter)
    {
        Assert.True(TopicRules.TrySplitShared(filter, out var name, out var inner));

        Assert.Equal(shareName, name);
        Assert.Equal(topicFilter, inner);
    }

    [Theory]
    [Trait("Spec", "MQTT-4.8.2-1")]
    [InlineData("$share/")]
    [InlineData("$share//a")]
    public void Shared_filter_without_a_share_name_is_invalid(string filter) =>
        Assert.False(TopicRules.TrySplitShared(filter, out _, out _));

    [Theory]
    [Trait("Spec", "MQTT-4.8.2-2")]
    [InlineData("$share/g")]
    [InlineData("$share/g/")]
    [InlineData("$share/g+/a")]
    [InlineData("$share/g#/a")]
    [InlineData("$share/+/a")]
    [InlineData("$share/#/a")]
    [InlineData("$share/g/a#")]
    [InlineData("$share/g/a/#/b")]
    [InlineData("$share/g/a+")]
    public void Shared_filter_with_a_bad_share_name_or_no_valid_filter_after_it_is_invalid(string filter) =>
        Assert.False(TopicRules.TrySplitShared(filter, out _, out _));

    [Fact]
    public void Invalid_shared_filter_leaves_both_parts_empty()
    {
        Assert.False(TopicRules.TrySplitShared("$share/g+/a", out var name, out var inner));

        Assert.Equal("", name);
        Assert.Equal("", inner);
    }

    [Theory]
    [InlineData("$queue/g/t")] // seven characters before "g/t", but not "$share/"
    [InlineData("sport/tennis/+")]
    [InlineData("$SHARE/g/t")]
    [InlineData("$share")]
    [InlineData("a")]
    [InlineData("")]
    public void Filter_that_is_not_shared_does_not_split(string filter) =>
        Assert.False(TopicRules.TrySplitShared(filter, out _, out _));

    [Theory]
    [InlineData("$share/g/t")]
    [InlineData("$share/g/")]
    [InlineData("$share/")]
    public void Filter_starting_with_share_prefix_is_shared(string filter) =>
        Assert.True(TopicRules.IsShared(filter));

    [Theory]
    [InlineData("$SHARE/g/t")]
    [InlineData("$share")]
    [InlineData("$shared/g/t")]
    [InlineData("share/g/t")]
    [InlineData("a/$share/g/t")]
    [InlineData(" $share/g/t")]
    [InlineData("")]
    public void Filter_not_starting_with_share_prefix_is_not_shared(string filter) =>
        Assert.False(TopicRules.IsShared(filter));
}

using Herald.Broker.Messages;
using Herald.Broker.Tests.Harness;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>Topic filters against topic names, through SUBSCRIBE and PUBLISH (section 4.7).</summary>
public sealed class TopicMatchingTests
{
    [Theory]
    [InlineData("a/b/c", "a/b/c", true)]
    [InlineData("a/b/c", "a/b", false)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("A/b", "a/b", false)] // topics are case sensitive
    [InlineData("a/+/c", "a/b/c", true)]
    [InlineData("a/+/c", "a/b/d", false)]
    [InlineData("a/+", "a/b/c", false)]
    [InlineData("a/+", "a/", true)] // '+' matches an empty level
    [InlineData("+", "a", true)]
    [InlineData("+", "a/b", false)]
    [InlineData("+/+", "/a", true)]
    [InlineData("/+", "/a", true)]
    [InlineData("+", "/a", false)]
    [InlineData("a/#", "a/b/c", true)]
    [InlineData("a/#", "a", true)] // '#' also matches the parent level
    [InlineData("a/#", "ab", false)]
    [InlineData("a/+/#", "a", false)]
    [InlineData("a/+/#", "a/b", true)]
    [InlineData("+/#", "a", true)]
    [InlineData("#", "a/b/c", true)]
    [InlineData("#", "/", true)]
    public async Task Filter_matches_topic(string filter, string topic, bool matches)
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", filter, AtMostOnce);
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync(topic, "x");

        object[] expected = matches ? [new Publish(topic, "x")] : [];
        subscriber.AssertReceived(expected);
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.2-1")]
    [InlineData("#", false)]
    [InlineData("+/uptime", false)]
    [InlineData("+/#", false)]
    [InlineData("$SYS/#", true)]
    [InlineData("$SYS/+", true)]
    [InlineData("$SYS/uptime", true)]
    public async Task Filters_starting_with_a_wildcard_do_not_match_topics_starting_with_dollar(string filter, bool matches)
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", filter, AtMostOnce);

        broker.Broker.Publish(Message.Create("$SYS/uptime", "42"u8, AtMostOnce, retain: false));

        object[] expected = matches ? [new Publish("$SYS/uptime", "42")] : [];
        subscriber.AssertReceived(expected);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.7.2-1")]
    public async Task Dollar_rule_applies_only_to_the_first_level()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "a/+", AtMostOnce);
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("a/$b", "x");

        subscriber.AssertReceived(new Publish("a/$b", "x"));
    }
}

using Herald.Broker.Messages;
using Herald.Broker.Tests.Harness;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>Retained messages (section 3.3.1.3).</summary>
public sealed class RetainedTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.1-5")]
    [Trait("Spec", "MQTT-3.3.1-6")]
    [Trait("Spec", "MQTT-3.3.1-8")]
    public async Task Retained_message_is_sent_to_a_new_subscriber_with_retain_set()
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("room/temp", "21", AtLeastOnce, retain: true);

        var subscriber = await broker.ConnectAsync("sub");
        var subAck = await subscriber.SubscribeAsync("room/temp", ExactlyOnce);

        Assert.Equal(new SubAck(1, 2), subAck);
        subscriber.AssertReceived(new Publish("room/temp", "21", AtLeastOnce, PacketId: 1, Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-9")]
    public async Task Delivery_to_an_established_subscription_has_retain_cleared()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "room/temp", AtMostOnce);
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("room/temp", "21", retain: true);

        subscriber.AssertReceived(new Publish("room/temp", "21", Retain: false));
        Assert.Equal(1, broker.Retained.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-7")]
    public async Task Retained_message_is_replaced_by_the_next_one_on_its_topic()
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("room/temp", "20", AtLeastOnce, retain: true);
        await publisher.PublishAsync("room/temp", "21", AtMostOnce, retain: true);

        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync("room/temp", ExactlyOnce);

        subscriber.AssertReceived(new Publish("room/temp", "21", AtMostOnce, Retain: true));
        Assert.Equal(1, broker.Retained.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    [Trait("Spec", "MQTT-3.3.1-11")]
    public async Task Retained_message_is_cleared_by_an_empty_payload_which_is_itself_not_stored()
    {
        using var broker = new TestBroker();
        var current = await broker.ConnectSubscriberAsync("current", "room/temp", AtMostOnce);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("room/temp", "21", retain: true);
        current.AssertReceived(new Publish("room/temp", "21"));

        await publisher.PublishAsync("room/temp", "", retain: true);

        // The empty message is routed as normal to established subscriptions.
        current.AssertReceived(new Publish("room/temp", ""));
        Assert.Equal(0, broker.Retained.Count);
        var late = await broker.ConnectAsync("late");
        await late.SubscribeAsync("room/#");
        late.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-12")]
    public async Task Publish_without_retain_neither_stores_nor_replaces_the_retained_message()
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("room/temp", "21", retain: true);
        await publisher.PublishAsync("room/temp", "22", retain: false);
        await publisher.PublishAsync("room/humidity", "40", retain: false);

        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync("room/#", AtMostOnce);

        subscriber.AssertReceived(new Publish("room/temp", "21", Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-6")]
    public async Task Retained_message_is_sent_at_the_lower_of_its_qos_and_the_granted_qos()
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "x", ExactlyOnce, retain: true);

        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync("t", AtLeastOnce);

        subscriber.AssertReceived(new Publish("t", "x", AtLeastOnce, PacketId: 1, Retain: true));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.1-6")]
    [InlineData("a/+", "a/b")]
    [InlineData("a/#", "a|a/b|a/c/d")]
    [InlineData("+/b", "a/b")]
    [InlineData("#", "a|a/b|a/c/d|x")]
    [InlineData("a/+/d", "a/c/d")]
    [InlineData("a", "a")]
    [InlineData("b/#", "")]
    public async Task Retained_messages_are_matched_by_wildcard_filters(string filter, string expectedTopics)
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub");
        foreach (var topic in new[] { "a", "a/b", "a/c/d", "x" })
            await publisher.PublishAsync(topic, topic, retain: true);

        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync(filter, AtMostOnce);

        var received = subscriber.Received().Cast<Publish>().Select(p => p.Topic).Order(StringComparer.Ordinal);
        Assert.Equal(expectedTopics.Split('|', StringSplitOptions.RemoveEmptyEntries), received);
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.2-1")]
    [InlineData("#", false)]
    [InlineData("+/uptime", false)]
    [InlineData("$SYS/#", true)]
    [InlineData("$SYS/+", true)]
    public async Task Retained_dollar_topics_are_not_matched_by_filters_starting_with_a_wildcard(string filter, bool matches)
    {
        using var broker = new TestBroker();
        broker.Broker.Publish(Message.Create("$SYS/uptime", "42"u8, AtMostOnce, retain: true));

        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync(filter, AtMostOnce);

        object[] expected = matches ? [new Publish("$SYS/uptime", "42", Retain: true)] : [];
        subscriber.AssertReceived(expected);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-3")]
    public async Task Resubscribing_sends_the_retained_messages_again()
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "x", retain: true);
        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync("t", AtMostOnce);
        subscriber.AssertReceived(new Publish("t", "x", Retain: true));

        await subscriber.SubscribeAsync("t", AtMostOnce);

        subscriber.AssertReceived(new Publish("t", "x", Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-7")]
    public async Task Retained_messages_outlive_the_session_of_their_publisher()
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub", cleanSession: true);
        await publisher.PublishAsync("t", "x", retain: true);
        await publisher.DisconnectAsync();

        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync("t", AtMostOnce);

        subscriber.AssertReceived(new Publish("t", "x", Retain: true));
    }
}

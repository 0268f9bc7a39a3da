using Herald.Broker.Tests.Harness;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 subscription options: No Local, Retain As Published, Retain Handling (section 3.8.3.1).</summary>
public sealed class Mqtt5SubscriptionOptionsTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.8.3-3")]
    public async Task No_local_subscriber_does_not_get_its_own_messages_but_gets_the_others()
    {
        using var broker = new TestBroker();
        var chat = await broker.Connect5Async("alice");
        await chat.SubscribeAsync(new TopicSubscription("chat", AtLeastOnce) { NoLocal = true });
        var bob = await broker.Connect5Async("bob");

        await chat.PublishAsync("chat", "from alice", AtMostOnce);
        await bob.PublishAsync("chat", "from bob", AtMostOnce);

        chat.AssertReceivedMessages(new Publish("chat", "from bob"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.3-3")]
    public async Task No_local_applies_to_the_client_id_across_connections()
    {
        using var broker = new TestBroker();
        var first = await broker.Connect5Async("alice", new() { SessionExpiryInterval = 60 });
        await first.SubscribeAsync(new TopicSubscription("chat", AtLeastOnce) { NoLocal = true });
        first.LoseConnection();

        var second = await broker.Connect5Async("alice", new() { SessionExpiryInterval = 60 }, cleanStart: false);
        await second.PublishAsync("chat", "from alice again", AtLeastOnce);

        Assert.Empty(second.Received().OfType<Publish5>());
    }

    [Fact]
    public async Task Without_no_local_a_subscriber_gets_its_own_messages()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectSubscriber5Async("alice", "chat", AtMostOnce);

        await client.PublishAsync("chat", "echo", AtMostOnce);

        client.AssertReceivedMessages(new Publish("chat", "echo"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-13")]
    public async Task Retain_as_published_keeps_the_retain_flag_of_a_forwarded_message()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync(new TopicSubscription("t", AtMostOnce) { RetainAsPublished = true });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true);
        await publisher.PublishAsync("t", "plain", AtMostOnce, retain: false);

        subscriber.AssertReceivedMessages(new Publish("t", "retained", Retain: true), new Publish("t", "plain"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-12")]
    public async Task Without_retain_as_published_a_forwarded_message_has_retain_0()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true);

        subscriber.AssertReceivedMessages(new Publish("t", "retained", Retain: false));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-13")]
    public async Task Retain_as_published_of_one_overlapping_subscription_keeps_the_flag()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync(
            new TopicSubscription("a/+", AtMostOnce),
            new TopicSubscription("a/#", AtMostOnce) { RetainAsPublished = true });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("a/b", "retained", AtMostOnce, retain: true);

        subscriber.AssertReceivedMessages(new Publish("a/b", "retained", Retain: true));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.1-9")]
    [Trait("Spec", "MQTT-3.3.1-10")]
    [InlineData(0)]
    [InlineData(1)]
    public async Task Retain_handling_0_and_1_send_retained_messages_to_a_new_subscription(byte retainHandling)
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true);
        var subscriber = await broker.Connect5Async("sub");

        await subscriber.SubscribeAsync(new TopicSubscription("t", AtMostOnce) { RetainHandling = retainHandling });

        subscriber.AssertReceivedMessages(new Publish("t", "retained", Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-9")]
    [Trait("Spec", "MQTT-3.8.4-4")]
    public async Task Retain_handling_0_sends_retained_messages_again_on_a_resubscribe()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true);
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync(new TopicSubscription("t", AtMostOnce));
        subscriber.Received();

        await subscriber.SubscribeAsync(new TopicSubscription("t", AtMostOnce));

        subscriber.AssertReceivedMessages(new Publish("t", "retained", Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    public async Task Retain_handling_1_sends_nothing_on_a_resubscribe()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true);
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync(new TopicSubscription("t", AtMostOnce) { RetainHandling = 1 });
        subscriber.AssertReceivedMessages(new Publish("t", "retained", Retain: true));

        var subAck = await subscriber.SubscribeAsync(new TopicSubscription("t", AtLeastOnce) { RetainHandling = 1 });

        Assert.Equal([(byte)AtLeastOnce], subAck.ReturnCodes);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    public async Task Retain_handling_1_sends_retained_messages_to_a_subscription_of_a_resumed_session_only_if_new()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true);
        var first = await broker.Connect5Async("sub", new() { SessionExpiryInterval = 60 });
        await first.SubscribeAsync(new TopicSubscription("t", AtMostOnce) { RetainHandling = 1 });
        first.LoseConnection();

        var second = await broker.Connect5Async("sub", new() { SessionExpiryInterval = 60 }, cleanStart: false);
        await second.SubscribeAsync(new TopicSubscription("t", AtMostOnce) { RetainHandling = 1 });

        second.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-11")]
    public async Task Retain_handling_2_never_sends_retained_messages()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true);
        var subscriber = await broker.Connect5Async("sub");

        var subAck = await subscriber.SubscribeAsync(new TopicSubscription("t", AtMostOnce) { RetainHandling = 2 });
        await publisher.PublishAsync("t", "live", AtMostOnce);

        Assert.Equal([(byte)AtMostOnce], subAck.ReturnCodes);
        subscriber.AssertReceivedMessages(new Publish("t", "live"));
    }
}

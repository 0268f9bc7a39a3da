using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 Subscription Identifiers (section 3.8.2.1.2, 3.3.4) and UNSUBACK reason codes (section 3.11).</summary>
public sealed class Mqtt5SubscriptionIdentifierTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Subscription_identifier_is_sent_with_each_matching_message()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync(42, new TopicSubscription("sensors/+", AtLeastOnce));
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("sensors/a", "1", AtMostOnce);
        await publisher.PublishAsync("sensors/b", "2", AtLeastOnce);

        var received = subscriber.ReceivedPublishes();
        Assert.Equal(2, received.Length);
        Assert.All(received, p => Assert.Equal([42], p.SubscriptionIds));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    [Trait("Spec", "MQTT-3.3.4-4")]
    public async Task Overlapping_subscriptions_give_one_publish_carrying_both_identifiers()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync(1, new TopicSubscription("a/+", AtMostOnce));
        await subscriber.SubscribeAsync(2, new TopicSubscription("a/#", AtLeastOnce));
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("a/b", "both", AtLeastOnce);

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.Equal([1, 2], publish.SubscriptionIds);
        Assert.Equal(AtLeastOnce, publish.Message.QoS); // the highest granted QoS [MQTT-3.3.4-2]
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Overlap_with_a_subscription_without_identifier_sends_only_the_identifier_given()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync(new TopicSubscription("a/+", AtMostOnce));
        await subscriber.SubscribeAsync(7, new TopicSubscription("a/#", AtMostOnce));
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("a/b", "one", AtMostOnce);

        Assert.Equal([7], Assert.Single(subscriber.ReceivedPublishes()).SubscriptionIds);
    }

    [Fact]
    public async Task Subscription_without_identifier_sends_none()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "plain", AtMostOnce);

        Assert.Empty(Assert.Single(subscriber.ReceivedPublishes()).SubscriptionIds);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-3")]
    public async Task Replacing_a_subscription_replaces_its_identifier()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.Connect5Async("sub");
        await subscriber.SubscribeAsync(1, new TopicSubscription("t", AtMostOnce));
        await subscriber.SubscribeAsync(2, new TopicSubscription("t", AtMostOnce));
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "once", AtMostOnce);

        Assert.Equal([2], Assert.Single(subscriber.ReceivedPublishes()).SubscriptionIds);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Retained_messages_sent_on_subscribe_carry_the_subscription_identifier()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true);
        var subscriber = await broker.Connect5Async("sub");

        await subscriber.SubscribeAsync(9, new TopicSubscription("t", AtMostOnce));

        Assert.Equal([9], Assert.Single(subscriber.ReceivedPublishes()).SubscriptionIds);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Messages_queued_for_an_offline_session_carry_the_subscription_identifier()
    {
        using var broker = new TestBroker();
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 });
        await first.SubscribeAsync(5, new TopicSubscription("t", AtLeastOnce));
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "queued", AtLeastOnce);

        var second = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 }, cleanStart: false);

        Assert.Equal([5], Assert.Single(second.ReceivedPublishes()).SubscriptionIds);
    }

    [Fact]
    public async Task Mqtt311_subscriber_of_the_same_topic_gets_no_identifier()
    {
        using var broker = new TestBroker();
        var modern = await broker.Connect5Async("modern");
        await modern.SubscribeAsync(3, new TopicSubscription("t", AtMostOnce));
        var classic = await broker.ConnectSubscriberAsync("classic", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "hello", AtMostOnce);

        classic.AssertReceived(new Publish("t", "hello"));
        Assert.Equal([3], Assert.Single(modern.ReceivedPublishes()).SubscriptionIds);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.13.1-1")]
    public async Task Subscription_identifier_0_is_a_protocol_error()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.Connect5Async("sub");

        await subscriber.SendAsync(Encode.Subscribe(
            1,
            [new TopicSubscription("t", AtMostOnce)],
            ProtocolVersion.V500,
            new Properties { SubscriptionIdentifiers = [0] }));

        subscriber.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
        Assert.True(subscriber.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.11.3-1")]
    [Trait("Spec", "MQTT-3.11.3-2")]
    [Trait("Spec", "MQTT-3.10.4-5")]
    public async Task Unsuback_says_0x11_for_a_filter_with_no_subscription()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "known", AtMostOnce);

        var unsubAck = await subscriber.UnsubscribeAsync("unknown", "known", "known");

        Assert.Equal(
            [(byte)ReasonCode.NoSubscriptionExisted, (byte)ReasonCode.Success, (byte)ReasonCode.NoSubscriptionExisted],
            unsubAck.ReasonCodes);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.4-2")]
    public async Task Unsubscribed_filter_gets_no_more_messages()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        var unsubAck = await subscriber.UnsubscribeAsync("t");
        await publisher.PublishAsync("t", "too late", AtMostOnce);

        Assert.Equal([(byte)ReasonCode.Success], unsubAck.ReasonCodes);
        subscriber.AssertReceivedNothing();
    }
}

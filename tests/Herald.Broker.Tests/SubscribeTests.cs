using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>SUBSCRIBE / SUBACK and UNSUBSCRIBE / UNSUBACK (sections 3.8 - 3.11).</summary>
public sealed class SubscribeTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.8.4-1")]
    [Trait("Spec", "MQTT-3.8.4-2")]
    [Trait("Spec", "MQTT-3.8.4-5")]
    public async Task Suback_carries_the_packet_id_and_the_granted_qos_of_each_filter()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1");

        await client.SendAsync(Encode.Subscribe(42, [new("a", AtMostOnce), new("b/+", AtLeastOnce), new("c/#", ExactlyOnce)]));

        client.AssertReceived(new SubAck(42, 0, 1, 2));
        Assert.Equal(3, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.5-1")]
    public async Task Overlapping_subscriptions_deliver_one_copy_at_the_highest_granted_qos()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync(new TopicSubscription("a/+", AtMostOnce), new TopicSubscription("a/#", ExactlyOnce), new TopicSubscription("a/b", AtLeastOnce));
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("a/b", "x", ExactlyOnce);

        subscriber.AssertReceived(new Publish("a/b", "x", ExactlyOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.5-1")]
    public async Task Overlapping_subscriptions_never_raise_the_qos_above_the_published_one()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync(new TopicSubscription("a/+", AtLeastOnce), new TopicSubscription("a/#", ExactlyOnce));
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("a/b", "x", AtMostOnce);

        subscriber.AssertReceived(new Publish("a/b", "x", AtMostOnce));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.8.4-6")]
    [InlineData(AtMostOnce, AtMostOnce, AtMostOnce)]
    [InlineData(AtMostOnce, AtLeastOnce, AtMostOnce)]
    [InlineData(AtMostOnce, ExactlyOnce, AtMostOnce)]
    [InlineData(AtLeastOnce, AtMostOnce, AtMostOnce)]
    [InlineData(AtLeastOnce, AtLeastOnce, AtLeastOnce)]
    [InlineData(AtLeastOnce, ExactlyOnce, AtLeastOnce)]
    [InlineData(ExactlyOnce, AtMostOnce, AtMostOnce)]
    [InlineData(ExactlyOnce, AtLeastOnce, AtLeastOnce)]
    [InlineData(ExactlyOnce, ExactlyOnce, ExactlyOnce)]
    public async Task Delivered_qos_is_the_lower_of_published_and_granted(QualityOfService published, QualityOfService granted, QualityOfService delivered)
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", granted);
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("t", "x", published);

        subscriber.AssertReceived(new Publish("t", "x", delivered, PacketId: delivered == AtMostOnce ? (ushort)0 : (ushort)1));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-3")]
    public async Task Resubscribing_to_the_same_filter_replaces_its_qos()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");

        var subAck = await subscriber.SubscribeAsync("t", AtMostOnce);
        await publisher.PublishAsync("t", "x", ExactlyOnce);

        Assert.Equal(new SubAck(2, 0), subAck);
        subscriber.AssertReceived(new Publish("t", "x", AtMostOnce));
        var subscription = Assert.Single(broker.SessionOf("sub").Subscriptions);
        Assert.Equal(("t", AtMostOnce), (subscription.Filter, subscription.QoS));
        Assert.Equal(1, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.4-4")]
    [Trait("Spec", "MQTT-3.10.4-2")]
    public async Task Unsubscribed_filter_receives_no_more_messages()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t/#");
        var publisher = await broker.ConnectAsync("pub");

        await subscriber.SendAsync(Encode.Unsubscribe(9, ["t/#"]));
        await publisher.PublishAsync("t/1", "x", AtLeastOnce);

        subscriber.AssertReceived(new UnsubAckPacket(9));
        Assert.Empty(broker.SessionOf("sub").Subscriptions);
        Assert.Equal(0, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.4-3")]
    public async Task Unsubscribe_completes_the_delivery_of_a_qos2_message_already_in_flight()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "x", ExactlyOnce);
        subscriber.AssertReceived(new Publish("t", "x", ExactlyOnce, PacketId: 1));

        await subscriber.UnsubscribeAsync("t");
        await subscriber.PubRecAsync(1);
        subscriber.AssertReceived(new AckPacket(PacketType.PubRel, 1));
        await subscriber.PubCompAsync(1);

        Assert.Equal(0, broker.SessionOf("sub").InflightCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.4-5")]
    public async Task Unsuback_is_sent_even_for_a_filter_that_was_never_subscribed()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1");

        await client.SendAsync(Encode.Unsubscribe(3, ["never/subscribed"]));

        client.AssertReceived(new UnsubAckPacket(3));
        Assert.False(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.4-1")]
    public async Task Unsubscribe_removes_only_the_identical_filter()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectAsync("sub");
        await subscriber.SubscribeAsync(new TopicSubscription("a/+", AtMostOnce), new TopicSubscription("a/b", AtMostOnce));
        var publisher = await broker.ConnectAsync("pub");

        await subscriber.UnsubscribeAsync("a/#"); // not identical to either: removes nothing
        await subscriber.UnsubscribeAsync("a/+");
        await publisher.PublishAsync("a/b", "still matched by a/b");
        await publisher.PublishAsync("a/c", "was matched by a/+ only");

        subscriber.AssertReceived(new Publish("a/b", "still matched by a/b"));
    }
}

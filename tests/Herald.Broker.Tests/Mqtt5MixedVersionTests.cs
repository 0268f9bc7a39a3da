using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 3.1.1 and 5.0 clients on one topic: each gets every message in its own protocol version.</summary>
public sealed class Mqtt5MixedVersionTests
{
    [Theory]
    [InlineData(AtMostOnce)]
    [InlineData(AtLeastOnce)]
    [InlineData(ExactlyOnce)]
    public async Task Mqtt311_publisher_reaches_an_mqtt5_subscriber(QualityOfService qos)
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("modern", "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("classic");

        await publisher.PublishAsync("t", "from 3.1.1", qos, retain: true);

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.Equal(new Publish("t", "from 3.1.1", qos, PacketId: qos == AtMostOnce ? (ushort)0 : (ushort)1), publish.Message);
        Assert.Null(publish.Properties);
    }

    [Theory]
    [InlineData(AtMostOnce)]
    [InlineData(AtLeastOnce)]
    [InlineData(ExactlyOnce)]
    public async Task Mqtt5_publisher_reaches_an_mqtt311_subscriber(QualityOfService qos)
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("classic", "t", ExactlyOnce);
        var publisher = await broker.Connect5Async("modern");

        await publisher.PublishAsync("t", "from 5.0", qos, properties: new Properties
        {
            MessageExpiryInterval = 60,
            ContentType = "text/plain",
            UserProperties = [new("k", "v")],
        });

        subscriber.AssertReceived(new Publish("t", "from 5.0", qos, PacketId: qos == AtMostOnce ? (ushort)0 : (ushort)1));
    }

    [Fact]
    public async Task Both_versions_subscribed_to_one_topic_each_get_the_message_in_their_format()
    {
        using var broker = new TestBroker();
        var classic = await broker.ConnectSubscriberAsync("classic", "t/#", AtLeastOnce);
        var modern = await broker.Connect5Async("modern");
        await modern.SubscribeAsync(4, new TopicSubscription("t/#", AtLeastOnce));
        var publisher = await broker.ConnectAsync("publisher");

        await publisher.PublishAsync("t/1", "one", AtLeastOnce);

        classic.AssertReceived(new Publish("t/1", "one", AtLeastOnce, PacketId: 1));
        var publish = Assert.Single(modern.ReceivedPublishes());
        Assert.Equal(new Publish("t/1", "one", AtLeastOnce, PacketId: 1), publish.Message);
        Assert.Equal([4], publish.SubscriptionIds);
    }

    [Fact]
    public async Task Retained_message_from_mqtt5_is_sent_to_a_later_mqtt311_subscriber_without_properties()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("modern");
        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true, properties: new Properties { ResponseTopic = "r" });

        var subscriber = await broker.ConnectAsync("classic");
        await subscriber.SubscribeAsync("t", AtMostOnce);

        subscriber.AssertReceived(new Publish("t", "retained", Retain: true));
    }

    [Fact]
    public async Task Mqtt311_will_reaches_an_mqtt5_subscriber()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var device = await broker.ConnectAsync("dev", will: new ConnectWill("status/dev", "offline"u8.ToArray(), AtMostOnce, Retain: false));

        device.LoseConnection();

        watcher.AssertReceivedMessages(new Publish("status/dev", "offline"));
    }

    [Fact]
    public async Task Mqtt5_client_takes_over_a_session_left_by_mqtt311()
    {
        using var broker = new TestBroker();
        var classic = await broker.ConnectAsync("c1", cleanSession: false);
        await classic.SubscribeAsync("t", AtLeastOnce);
        classic.LoseConnection();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "queued", AtLeastOnce);

        var modern = broker.Open();
        var connAck = await modern.Connect5Async("c1", new Properties { SessionExpiryInterval = 60 }, cleanStart: false);

        Assert.True(connAck.SessionPresent);
        modern.AssertReceivedMessages(new Publish("t", "queued", AtLeastOnce, PacketId: 1));
    }
}

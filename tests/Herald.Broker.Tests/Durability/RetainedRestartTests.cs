using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Durability;

/// <summary>Retained messages, and the MQTT 5 properties of stored messages, across a restart (sections 3.3.1.3, 3.3.2.3).</summary>
public sealed class RetainedRestartTests
{
    private static readonly byte[] Correlation = [0x00, 0xFF, 0x10, 0x7F];

    /// <summary>Every forwarded MQTT 5 message property, and a Message Expiry of 100 s.</summary>
    private static Properties MessageProperties() => new()
    {
        PayloadFormatIndicator = 1,
        MessageExpiryInterval = 100,
        ContentType = "text/plain; charset=utf-8",
        ResponseTopic = "reply/to/me",
        CorrelationData = Correlation,
        UserProperties = [new("trace", "1"), new("tenant", "acme"), new("trace", "2"), new("", "empty name")],
    };

    private static void AssertForwardedProperties(Publish5 publish, uint remainingExpiry)
    {
        var properties = publish.Properties;
        Assert.NotNull(properties);
        Assert.Equal((byte)1, properties.PayloadFormatIndicator);
        Assert.Equal("text/plain; charset=utf-8", properties.ContentType);
        Assert.Equal("reply/to/me", properties.ResponseTopic);
        Assert.Equal(Correlation, properties.CorrelationData);
        Assert.Equal(MessageProperties().UserProperties, publish.UserProperties); // order kept [MQTT-3.3.2-18]
        Assert.Equal(remainingExpiry, publish.MessageExpiryInterval);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-5")]
    [Trait("Spec", "MQTT-3.3.1-6")]
    [Trait("Spec", "MQTT-3.3.1-8")]
    public async Task Retained_messages_survive_a_restart_with_their_qos()
    {
        using var broker = new DurableTestBroker();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("r/1", "old", AtLeastOnce, retain: true);
        await publisher.PublishAsync("r/2", "two", AtMostOnce, retain: true);
        await broker.DurableAsync();
        broker.Restart();
        publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("r/1", "one", AtLeastOnce, retain: true); // replaces the restored one
        await broker.DurableAsync();

        broker.Restart();
        var subscriber = await broker.ConnectAsync("late");
        await broker.SubscribeAsync(subscriber, "r/#", ExactlyOnce);
        await broker.DurableAsync();

        var received = subscriber.Received().Cast<Publish>().OrderBy(p => p.Topic, StringComparer.Ordinal);
        Publish[] expected =
        [
            new("r/1", "one", AtLeastOnce, PacketId: 1, Retain: true),
            new("r/2", "two", Retain: true),
        ];
        Assert.Equal(expected, received);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    [Trait("Spec", "MQTT-3.3.1-11")]
    public async Task Empty_retained_publish_clears_the_topic_for_good()
    {
        using var broker = new DurableTestBroker();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("cleared/before", "x", AtLeastOnce, retain: true);
        await publisher.PublishAsync("cleared/before", "", AtLeastOnce, retain: true);
        await publisher.PublishAsync("cleared/after", "y", AtLeastOnce, retain: true);
        await broker.DurableAsync();
        broker.Restart();
        publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("cleared/after", "", AtMostOnce, retain: true);
        await broker.DurableAsync();

        broker.Restart();
        var subscriber = await broker.ConnectAsync("late");
        await broker.SubscribeAsync(subscriber, "#", AtLeastOnce);
        await broker.DurableAsync();

        subscriber.AssertReceivedNothing();
        Assert.Equal(0, broker.Broker.Retained.Count);
        broker.Kill();
        Assert.Equal(0, broker.Rows("retained"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    [Trait("Spec", "MQTT-3.3.2-6")]
    [Trait("Spec", "MQTT-3.3.2-15")]
    [Trait("Spec", "MQTT-3.3.2-18")]
    [Trait("Spec", "MQTT-3.3.2-20")]
    public async Task Retained_message_keeps_its_properties_and_its_expiry_counts_on_across_the_restart()
    {
        using var broker = new DurableTestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("p/t", "payload", AtLeastOnce, retain: true, properties: MessageProperties());
        await broker.DurableAsync();

        broker.Advance(TimeSpan.FromSeconds(30));
        broker.Restart(downtime: TimeSpan.FromSeconds(20));
        var subscriber = await broker.Connect5Async("late");
        await broker.SubscribeAsync(subscriber, "p/t", AtLeastOnce);
        await broker.DurableAsync();

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.Equal(new Publish("p/t", "payload", AtLeastOnce, PacketId: 1, Retain: true), publish.Message);
        AssertForwardedProperties(publish, remainingExpiry: 50);

        broker.Advance(TimeSpan.FromSeconds(25));
        broker.Restart();
        broker.Advance(TimeSpan.FromSeconds(25));
        var tooLate = await broker.Connect5Async("too-late");
        await broker.SubscribeAsync(tooLate, "p/t", AtLeastOnce);
        await broker.DurableAsync();
        tooLate.AssertReceivedNothing(); // expired [MQTT-3.3.2-5]
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-6")]
    [Trait("Spec", "MQTT-3.3.2-15")]
    [Trait("Spec", "MQTT-3.3.2-18")]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Queued_message_keeps_its_properties_and_subscription_id_and_its_expiry_counts_on_across_the_restart()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.Connect5Async("sub", sessionExpiry: 3600);
        await broker.SubscribeAsync(subscriber, subscriptionId: 7, new TopicSubscription("p/t", ExactlyOnce));
        subscriber.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("p/t", "payload", ExactlyOnce, properties: MessageProperties());
        await broker.DurableAsync();

        broker.Advance(TimeSpan.FromSeconds(30));
        broker.Restart(downtime: TimeSpan.FromSeconds(20));
        broker.Advance(TimeSpan.FromSeconds(10));
        subscriber = await broker.Connect5Async("sub", sessionExpiry: 3600, cleanStart: false);
        await broker.DurableAsync();

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.Equal(new Publish("p/t", "payload", ExactlyOnce, PacketId: 1), publish.Message);
        Assert.Equal([7], publish.SubscriptionIds);
        AssertForwardedProperties(publish, remainingExpiry: 40);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Queued_message_that_expired_across_the_restart_is_not_delivered_and_its_rows_go()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.Connect5Async("sub", sessionExpiry: 3600);
        await broker.SubscribeAsync(subscriber, "t", AtLeastOnce);
        subscriber.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "short-lived", AtLeastOnce, properties: new Properties { MessageExpiryInterval = 10 });
        await publisher.PublishAsync("t", "lasting", AtLeastOnce);
        await broker.DurableAsync();

        broker.Advance(TimeSpan.FromSeconds(6));
        broker.Restart(downtime: TimeSpan.FromSeconds(4));
        subscriber = await broker.Connect5Async("sub", sessionExpiry: 3600, cleanStart: false);
        await broker.DurableAsync();

        subscriber.AssertReceivedMessages(new Publish("t", "lasting", AtLeastOnce, PacketId: 1));
        await subscriber.PubAckAsync(1);
        await broker.DurableAsync();
        broker.Kill();
        Assert.Equal(0, broker.Rows("deliveries"));
        Assert.Equal(0, broker.Rows("messages"));
    }
}

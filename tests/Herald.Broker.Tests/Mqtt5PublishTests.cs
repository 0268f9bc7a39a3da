using System.Buffers;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 PUBLISH: properties forwarded unchanged, Payload Format Indicator, PUBACK and PUBREC reason codes (section 3.3, 3.4).</summary>
public sealed class Mqtt5PublishTests
{
    private static Properties RequestProperties() => new()
    {
        PayloadFormatIndicator = 1,
        ContentType = "application/json",
        ResponseTopic = "replies/client-7",
        CorrelationData = [0x00, 0xFF, 0x10, 0x20],
        UserProperties = [new("trace", "1"), new("tenant", "acme"), new("trace", "2"), new("", "empty name")],
    };

    private static PublishPacket Binary(string topic, byte[] payload, QualityOfService qos, byte? payloadFormat) => new()
    {
        Topic = topic,
        Payload = new ReadOnlySequence<byte>(payload),
        QoS = qos,
        Properties = payloadFormat is null ? null : new Properties { PayloadFormatIndicator = payloadFormat },
    };

    [Theory]
    [Trait("Spec", "MQTT-3.3.2-4")]
    [Trait("Spec", "MQTT-3.3.2-15")]
    [Trait("Spec", "MQTT-3.3.2-16")]
    [Trait("Spec", "MQTT-3.3.2-17")]
    [Trait("Spec", "MQTT-3.3.2-18")]
    [Trait("Spec", "MQTT-3.3.2-20")]
    [InlineData(AtMostOnce)]
    [InlineData(AtLeastOnce)]
    [InlineData(ExactlyOnce)]
    public async Task Message_properties_arrive_unchanged_at_an_mqtt5_subscriber(QualityOfService qos)
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "requests/#", qos);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("requests/42", "{\"op\":\"ping\"}", qos, properties: RequestProperties());

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.Equal("{\"op\":\"ping\"}", publish.Payload);
        var properties = Assert.IsType<Properties>(publish.Properties);
        var sent = RequestProperties();
        Assert.Equal(sent.PayloadFormatIndicator, properties.PayloadFormatIndicator);
        Assert.Equal(sent.ContentType, properties.ContentType);
        Assert.Equal(sent.ResponseTopic, properties.ResponseTopic);
        Assert.Equal(sent.CorrelationData, properties.CorrelationData);
        Assert.Equal(sent.UserProperties, properties.UserProperties);
        Assert.Null(properties.TopicAlias);
        Assert.Null(properties.MessageExpiryInterval);
        Assert.Null(properties.SubscriptionIdentifiers);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-17")]
    public async Task Message_properties_are_kept_with_a_message_queued_for_an_offline_session()
    {
        using var broker = new TestBroker();
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 });
        await first.SubscribeAsync("t", AtLeastOnce);
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "queued", AtLeastOnce, properties: RequestProperties());

        var second = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 }, cleanStart: false);

        var publish = Assert.Single(second.ReceivedPublishes());
        Assert.Equal("replies/client-7", publish.Properties?.ResponseTopic);
        Assert.Equal(RequestProperties().UserProperties, publish.UserProperties);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-17")]
    public async Task Retained_message_keeps_its_properties()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "retained", AtMostOnce, retain: true, properties: RequestProperties());

        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);

        var publish = Assert.Single(subscriber.ReceivedPublishes());
        Assert.True(publish.Message.Retain);
        Assert.Equal("application/json", publish.Properties?.ContentType);
        Assert.Equal(RequestProperties().CorrelationData, publish.Properties?.CorrelationData);
    }

    [Fact]
    public async Task Mqtt311_subscriber_gets_the_plain_message_of_a_publish_with_properties()
    {
        using var broker = new TestBroker();
        var modern = await broker.ConnectSubscriber5Async("modern", "requests/#", AtLeastOnce);
        var classic = await broker.ConnectSubscriberAsync("classic", "requests/#", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("requests/42", "ping", AtLeastOnce, properties: RequestProperties());

        classic.AssertReceived(new Publish("requests/42", "ping", AtLeastOnce, PacketId: 1));
        Assert.Equal("replies/client-7", Assert.Single(modern.ReceivedPublishes()).Properties?.ResponseTopic);
    }

    [Fact]
    public async Task Payload_format_indicator_1_with_utf8_is_routed()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");

        var id = await publisher.PublishAsync(Binary("t", "héllo"u8.ToArray(), AtLeastOnce, payloadFormat: 1));

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id));
        Assert.Equal("héllo", Assert.Single(subscriber.ReceivedPublishes()).Payload);
    }

    [Fact]
    public async Task Payload_format_indicator_0_allows_any_bytes()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");

        var id = await publisher.PublishAsync(Binary("t", [0xFF, 0xFE, 0x00], AtLeastOnce, payloadFormat: 0));

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id));
        Assert.Equal((byte)0, Assert.Single(subscriber.ReceivedPublishes()).Properties?.PayloadFormatIndicator);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.4.2-1")]
    public async Task Qos1_payload_declared_utf8_that_is_not_gets_puback_0x99_and_is_not_routed()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");

        var id = await publisher.PublishAsync(Binary("t", [0x61, 0xFF, 0xFE], AtLeastOnce, payloadFormat: 1) with { Retain = true });

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id) { Reason = ReasonCode.PayloadFormatInvalid });
        Assert.False(publisher.IsClosed);
        subscriber.AssertReceivedNothing();
        Assert.Equal(0, broker.Retained.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.5.2-1")]
    public async Task Qos2_payload_declared_utf8_that_is_not_gets_pubrec_0x99_and_its_packet_id_is_free_again()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", ExactlyOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Binary("t", [0xC0, 0x80], ExactlyOnce, payloadFormat: 1) with { PacketId = 9 });
        await publisher.PublishAsync(Binary("t", "valid"u8.ToArray(), ExactlyOnce, payloadFormat: 1) with { PacketId = 9 });

        // [MQTT-4.3.3-9] after a PUBREC of 0x80 or above, the same id starts a new message.
        publisher.AssertReceived(
            new AckPacket(PacketType.PubRec, 9) { Reason = ReasonCode.PayloadFormatInvalid },
            new AckPacket(PacketType.PubRec, 9));
        Assert.Equal("valid", Assert.Single(subscriber.ReceivedPublishes()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.13.1-1")]
    public async Task Qos0_payload_declared_utf8_that_is_not_gets_disconnect_0x99()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Binary("t", [0xFF], AtMostOnce, payloadFormat: 1));

        publisher.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.PayloadFormatInvalid));
        Assert.True(publisher.IsClosed);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.4.2-1")]
    public async Task Puback_says_0x10_when_no_one_subscribed()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");

        var id = await publisher.PublishAsync("nobody/listens", "hello", AtLeastOnce);

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id) { Reason = ReasonCode.NoMatchingSubscribers });
    }

    [Fact]
    [Trait("Spec", "MQTT-3.5.2-1")]
    public async Task Pubrec_says_0x10_when_no_one_subscribed_and_the_flow_goes_on()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");

        var id = await publisher.PublishAsync("nobody/listens", "hello", ExactlyOnce);
        await publisher.PubRelAsync(id);

        publisher.AssertReceived(
            new AckPacket(PacketType.PubRec, id) { Reason = ReasonCode.NoMatchingSubscribers },
            new AckPacket(PacketType.PubComp, id));
    }

    [Fact]
    public async Task Puback_is_success_when_someone_subscribed()
    {
        using var broker = new TestBroker();
        await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        var id = await publisher.PublishAsync("t", "hello", AtLeastOnce);

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id));
    }

    [Fact]
    public async Task Mqtt311_publisher_gets_a_plain_puback_when_no_one_subscribed()
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub");

        var id = await publisher.PublishAsync("nobody/listens", "hello", AtLeastOnce);

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.4.2-1")]
    public async Task Puback_says_0x97_when_a_subscribers_queue_is_full()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxQueuedMessages = 1 });
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 });
        await first.SubscribeAsync("t", AtLeastOnce);
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");

        var accepted = await publisher.PublishAsync("t", "fits", AtLeastOnce);
        var refused = await publisher.PublishAsync("t", "does not fit", AtLeastOnce);

        publisher.AssertReceived(
            new AckPacket(PacketType.PubAck, accepted),
            new AckPacket(PacketType.PubAck, refused) { Reason = ReasonCode.QuotaExceeded });
        var second = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 }, cleanStart: false);
        Assert.Equal(["fits"], second.ReceivedPublishes().Select(p => p.Payload));
    }
}

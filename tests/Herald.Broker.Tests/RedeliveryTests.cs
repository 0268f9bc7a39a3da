using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>Unacknowledged outgoing messages re-sent when a persistent session reconnects (section 4.4).</summary>
public sealed class RedeliveryTests
{
    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-3.3.1-1")]
    public async Task Unacknowledged_qos1_message_is_resent_with_dup_on_reconnect()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", AtLeastOnce);
        subscriber.AssertReceived(new Publish("t", "m1", AtLeastOnce, PacketId: 1));
        subscriber.LoseConnection();

        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);

        reconnected.AssertReceived(new Publish("t", "m1", AtLeastOnce, PacketId: 1, Dup: true));
        await reconnected.PubAckAsync(1);
        Assert.Equal(0, broker.SessionOf("sub").InflightCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-3.3.1-1")]
    public async Task Unacknowledged_qos2_message_is_resent_with_dup_on_reconnect()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce, cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", ExactlyOnce);
        subscriber.AssertReceived(new Publish("t", "m1", ExactlyOnce, PacketId: 1));
        subscriber.LoseConnection();

        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);

        reconnected.AssertReceived(new Publish("t", "m1", ExactlyOnce, PacketId: 1, Dup: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-4.3.3-1")]
    public async Task Pubrel_not_the_publish_is_resent_for_a_qos2_message_past_pubrec()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce, cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", ExactlyOnce);
        subscriber.AssertReceived(new Publish("t", "m1", ExactlyOnce, PacketId: 1));
        await subscriber.PubRecAsync(1);
        subscriber.AssertReceived(new AckPacket(PacketType.PubRel, 1));
        subscriber.LoseConnection();

        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);

        reconnected.AssertReceived(new AckPacket(PacketType.PubRel, 1));
        await reconnected.PubCompAsync(1);
        Assert.Equal(0, broker.SessionOf("sub").InflightCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-2.3.1-4")]
    public async Task Resent_packets_keep_their_original_order_and_packet_ids_before_queued_messages()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce, cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", AtLeastOnce);
        await publisher.PublishAsync("t", "m2", ExactlyOnce);
        await publisher.PublishAsync("t", "m3", ExactlyOnce);
        Assert.Equal(3, subscriber.Received().Length);
        await subscriber.PubRecAsync(2);
        subscriber.LoseConnection();
        await publisher.PublishAsync("t", "m4", AtLeastOnce);

        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);

        reconnected.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1, Dup: true),
            new AckPacket(PacketType.PubRel, 2),
            new Publish("t", "m3", ExactlyOnce, PacketId: 3, Dup: true),
            new Publish("t", "m4", AtLeastOnce, PacketId: 4));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-6")]
    public async Task Unacknowledged_messages_are_not_resent_to_a_clean_session()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", AtLeastOnce);
        subscriber.LoseConnection();

        var clean = await broker.ConnectAsync("sub", cleanSession: true);

        clean.AssertReceivedNothing();
    }
}

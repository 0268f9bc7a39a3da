using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>
/// <see cref="BrokerOptions.MaxInflightMessages"/>: how many QoS 1/2 messages may await acknowledgement;
/// the rest wait in order [MQTT-4.6.0-6].
/// </summary>
public sealed class InflightWindowTests
{
    [Fact]
    [Trait("Spec", "MQTT-4.6.0-6")]
    public async Task Only_the_window_is_sent_unacknowledged_and_the_rest_follow_in_order_as_acks_arrive()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxInflightMessages = 2 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub");

        for (var i = 1; i <= 5; i++)
            await publisher.PublishAsync("t", $"m{i}", AtLeastOnce);

        subscriber.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1),
            new Publish("t", "m2", AtLeastOnce, PacketId: 2));
        Assert.Equal(3, broker.SessionOf("sub").QueuedCount);

        await subscriber.PubAckAsync(1);
        subscriber.AssertReceived(new Publish("t", "m3", AtLeastOnce, PacketId: 3));

        await subscriber.PubAckAsync(3);
        await subscriber.PubAckAsync(2);
        subscriber.AssertReceived(
            new Publish("t", "m4", AtLeastOnce, PacketId: 4),
            new Publish("t", "m5", AtLeastOnce, PacketId: 5));

        await subscriber.PubAckAsync(4);
        await subscriber.PubAckAsync(5);
        subscriber.AssertReceivedNothing();
        Assert.Equal(0, broker.SessionOf("sub").InflightCount);
        Assert.Equal(0, broker.SessionOf("sub").QueuedCount);
    }

    [Fact]
    public async Task Qos2_message_holds_its_place_in_the_window_until_pubcomp()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxInflightMessages = 1 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "m1", ExactlyOnce);
        await publisher.PublishAsync("t", "m2", ExactlyOnce);
        subscriber.AssertReceived(new Publish("t", "m1", ExactlyOnce, PacketId: 1));

        await subscriber.PubRecAsync(1);
        subscriber.AssertReceived(new AckPacket(PacketType.PubRel, 1));

        await subscriber.PubCompAsync(1);
        subscriber.AssertReceived(new Publish("t", "m2", ExactlyOnce, PacketId: 2));
    }

    [Fact]
    public async Task Qos0_messages_bypass_a_full_window()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxInflightMessages = 1 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("t", "m1", AtLeastOnce);
        await publisher.PublishAsync("t", "m2", AtLeastOnce);
        await publisher.PublishAsync("t", "m3", AtMostOnce);

        subscriber.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1),
            new Publish("t", "m3"));
    }

    [Fact]
    public async Task Window_applies_to_messages_queued_while_offline()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxInflightMessages = 2 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);
        subscriber.LoseConnection();
        var publisher = await broker.ConnectAsync("pub");
        for (var i = 1; i <= 3; i++)
            await publisher.PublishAsync("t", $"m{i}", AtLeastOnce);

        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);
        reconnected.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1),
            new Publish("t", "m2", AtLeastOnce, PacketId: 2));

        await reconnected.PubAckAsync(1);
        reconnected.AssertReceived(new Publish("t", "m3", AtLeastOnce, PacketId: 3));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Unacknowledged_messages_are_resent_in_their_original_order_after_acks_out_of_order()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxInflightMessages = 4 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        for (var i = 1; i <= 4; i++)
            await publisher.PublishAsync("t", $"m{i}", AtLeastOnce);
        subscriber.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1),
            new Publish("t", "m2", AtLeastOnce, PacketId: 2),
            new Publish("t", "m3", AtLeastOnce, PacketId: 3),
            new Publish("t", "m4", AtLeastOnce, PacketId: 4));

        await subscriber.PubAckAsync(2);
        await publisher.PublishAsync("t", "m5", AtLeastOnce); // takes packet id 5, sent after m4
        subscriber.AssertReceived(new Publish("t", "m5", AtLeastOnce, PacketId: 5));
        subscriber.LoseConnection();

        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);
        reconnected.AssertReceived(
            new Publish("t", "m1", AtLeastOnce, PacketId: 1, Dup: true),
            new Publish("t", "m3", AtLeastOnce, PacketId: 3, Dup: true),
            new Publish("t", "m4", AtLeastOnce, PacketId: 4, Dup: true),
            new Publish("t", "m5", AtLeastOnce, PacketId: 5, Dup: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Resend_order_is_the_send_order_when_packet_ids_wrap_around()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxInflightMessages = 2 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce, cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        for (var id = 1; id < ushort.MaxValue; id++)
        {
            await publisher.PublishAsync("t", "acked", AtLeastOnce);
            await subscriber.PubAckAsync((ushort)id);
        }
        subscriber.Received();
        await publisher.PublishAsync("t", "last id", AtLeastOnce);
        await publisher.PublishAsync("t", "first id again", AtLeastOnce);
        subscriber.AssertReceived(
            new Publish("t", "last id", AtLeastOnce, PacketId: ushort.MaxValue),
            new Publish("t", "first id again", AtLeastOnce, PacketId: 1));
        subscriber.LoseConnection();

        var reconnected = await broker.ConnectAsync("sub", cleanSession: false);
        reconnected.AssertReceived(
            new Publish("t", "last id", AtLeastOnce, PacketId: ushort.MaxValue, Dup: true),
            new Publish("t", "first id again", AtLeastOnce, PacketId: 1, Dup: true));
    }
}


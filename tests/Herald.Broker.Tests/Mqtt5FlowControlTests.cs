using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 Receive Maximum (section 4.9) in both directions.</summary>
public sealed class Mqtt5FlowControlTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.4-9")]
    [Trait("Spec", "MQTT-4.9.0-2")]
    public async Task Server_sends_no_more_unacknowledged_messages_than_the_clients_receive_maximum()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtLeastOnce, new Properties { ReceiveMaximum = 2 });
        var publisher = await broker.Connect5Async("pub");

        for (var i = 1; i <= 5; i++)
            await publisher.PublishAsync("t", $"m{i}", AtLeastOnce);

        var window = subscriber.ReceivedPublishes();
        Assert.Equal(["m1", "m2"], window.Select(p => p.Payload));

        await subscriber.PubAckAsync(window[0].PacketId);
        Assert.Equal(["m3"], subscriber.ReceivedPublishes().Select(p => p.Payload));

        await subscriber.PubAckAsync(window[1].PacketId);
        Assert.Equal(["m4"], subscriber.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-9")]
    public async Task Receive_maximum_counts_qos2_messages_until_pubcomp()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", ExactlyOnce, new Properties { ReceiveMaximum = 1 });
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "m1", ExactlyOnce);
        await publisher.PublishAsync("t", "m2", ExactlyOnce);

        var first = Assert.Single(subscriber.ReceivedPublishes());
        await subscriber.PubRecAsync(first.PacketId);
        subscriber.AssertReceived(new AckPacket(PacketType.PubRel, first.PacketId));
        await subscriber.PubCompAsync(first.PacketId);

        Assert.Equal("m2", Assert.Single(subscriber.ReceivedPublishes()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-9")]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Messages_resent_on_reconnect_respect_the_receive_maximum_of_the_new_connection()
    {
        // Section 4.9: the send quota is not part of the session state; each connection starts
        // with the Receive Maximum it announces, resent messages included.
        using var broker = new TestBroker();
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 });
        await first.SubscribeAsync("t", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");
        for (var i = 1; i <= 5; i++)
            await publisher.PublishAsync("t", $"m{i}", AtLeastOnce);
        Assert.Equal(5, first.ReceivedPublishes().Length);
        first.LoseConnection();

        var second = broker.Open();
        await second.Connect5Async("sub", new Properties { SessionExpiryInterval = 60, ReceiveMaximum = 2 }, cleanStart: false);

        var resent = second.ReceivedPublishes();
        Assert.Equal(["m1", "m2"], resent.Select(p => p.Payload));
        Assert.All(resent, p => Assert.True(p.Message.Dup));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-7")]
    public async Task Client_that_exceeds_the_servers_receive_maximum_is_disconnected_with_0x93()
    {
        using var broker = new TestBroker(new BrokerOptions { ReceiveMaximum = 2 });
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", ExactlyOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "m1", ExactlyOnce, packetId: 1);
        await publisher.PublishAsync("t", "m2", ExactlyOnce, packetId: 2);
        await publisher.PublishAsync("t", "m3", ExactlyOnce, packetId: 3);

        publisher.AssertReceived(
            new AckPacket(PacketType.PubRec, 1),
            new AckPacket(PacketType.PubRec, 2),
            new ReasonPacket(PacketType.Disconnect, ReasonCode.ReceiveMaximumExceeded));
        Assert.True(publisher.IsClosed);
        Assert.Equal(["m1", "m2"], subscriber.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-7")]
    public async Task Pubrel_frees_a_place_in_the_servers_receive_maximum()
    {
        using var broker = new TestBroker(new BrokerOptions { ReceiveMaximum = 2 });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "m1", ExactlyOnce, packetId: 1);
        await publisher.PublishAsync("t", "m2", ExactlyOnce, packetId: 2);
        await publisher.PubRelAsync(1);
        await publisher.PublishAsync("t", "m3", ExactlyOnce, packetId: 3);

        Assert.False(publisher.IsClosed);
        Assert.Equal(
            [PacketType.PubRec, PacketType.PubRec, PacketType.PubComp, PacketType.PubRec],
            publisher.Received().Select(p => Assert.IsType<AckPacket>(p).Type));
    }

    [Fact]
    public async Task Qos1_messages_do_not_count_against_the_servers_receive_maximum()
    {
        // The server answers QoS 1 at once, so a client never has one unacknowledged.
        using var broker = new TestBroker(new BrokerOptions { ReceiveMaximum = 1 });
        var publisher = await broker.Connect5Async("pub");

        for (var i = 1; i <= 3; i++)
            await publisher.PublishAsync("t", $"m{i}", AtLeastOnce);

        Assert.False(publisher.IsClosed);
        Assert.Equal(3, publisher.Received().Length);
    }
}

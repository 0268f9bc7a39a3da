using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 Maximum Packet Size: the client's, which the server respects, and the server's (sections 3.1.2.11.4, 3.2.2.3.6).</summary>
public sealed class Mqtt5MaximumPacketSizeTests
{
    private static readonly string Large = new('x', 200);

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-24")]
    [Trait("Spec", "MQTT-3.1.2-25")]
    [InlineData(AtMostOnce)]
    [InlineData(AtLeastOnce)]
    public async Task Message_larger_than_the_clients_maximum_packet_size_is_not_sent_and_the_next_small_one_is(QualityOfService qos)
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", qos, new Properties { MaximumPacketSize = 64 });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", Large, qos);
        await publisher.PublishAsync("t", "small", qos);

        subscriber.AssertReceivedMessages(new Publish("t", "small", qos, PacketId: qos == AtMostOnce ? (ushort)0 : (ushort)1));
        // Discarded as if sent [MQTT-3.1.2-25]: nothing waits for it.
        Assert.Equal(0, broker.SessionOf("sub").QueuedCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Message_exactly_the_clients_maximum_packet_size_is_sent()
    {
        using var broker = new TestBroker();
        // PUBLISH QoS 0 to "t" with no properties: 2 header bytes, 3 topic bytes, 1 property length byte, the payload.
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce, new Properties { MaximumPacketSize = 16 });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "0123456789", AtMostOnce);
        await publisher.PublishAsync("t", "01234567890", AtMostOnce);

        subscriber.AssertReceivedMessages(new Publish("t", "0123456789"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    [Trait("Spec", "MQTT-3.1.2-25")]
    public async Task Message_queued_while_offline_is_not_sent_when_larger_than_the_maximum_packet_size_of_the_new_connection()
    {
        using var broker = new TestBroker();
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 });
        await first.SubscribeAsync("t", AtLeastOnce);
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", Large, AtLeastOnce);
        await publisher.PublishAsync("t", "small", AtLeastOnce);

        var second = broker.Open();
        await second.Connect5Async("sub", new Properties { SessionExpiryInterval = 60, MaximumPacketSize = 64 }, cleanStart: false);

        Assert.Equal(["small"], second.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Mqtt311_subscriber_is_not_limited_by_another_clients_maximum_packet_size()
    {
        using var broker = new TestBroker();
        await broker.ConnectSubscriber5Async("small", "t", AtMostOnce, new Properties { MaximumPacketSize = 64 });
        var classic = await broker.ConnectSubscriberAsync("classic", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", Large, AtMostOnce);

        classic.AssertReceived(new Publish("t", Large));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.13.1-1")]
    public async Task Packet_larger_than_the_servers_maximum_gets_disconnect_0x95()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxPacketSize = 100 });
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", Large, AtMostOnce);

        publisher.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.PacketTooLarge));
        Assert.True(publisher.IsClosed);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    public async Task Packet_larger_than_the_servers_maximum_is_refused_from_its_header_alone()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxPacketSize = 100 });
        var publisher = await broker.Connect5Async("pub");

        // The fixed header of a 1000-byte PUBLISH, without the body: no need to buffer it to refuse it.
        await publisher.SendAsync([0x30, 0xE8, 0x07]);

        publisher.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.PacketTooLarge));
        Assert.True(publisher.IsClosed);
    }
}

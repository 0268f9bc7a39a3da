using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>The QoS 0, 1 and 2 acknowledgement flows, client to broker and broker to client (section 4.3).</summary>
public sealed class QosFlowTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.4-1")]
    public async Task Qos0_publish_gets_no_acknowledgement()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t");
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("t", "x", AtMostOnce);

        publisher.AssertReceivedNothing();
        subscriber.AssertReceived(new Publish("t", "x"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.2-2")]
    public async Task Qos1_publish_is_acknowledged_with_puback_carrying_its_packet_id()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t");
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("t", "x", AtLeastOnce, packetId: 300);

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, 300));
        subscriber.AssertReceived(new Publish("t", "x", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    [Trait("Spec", "MQTT-3.6.4-1")]
    public async Task Qos2_publish_is_answered_with_pubrec_and_its_pubrel_with_pubcomp()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t");
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("t", "x", ExactlyOnce, packetId: 5);
        publisher.AssertReceived(new AckPacket(PacketType.PubRec, 5));
        await publisher.PubRelAsync(5);

        publisher.AssertReceived(new AckPacket(PacketType.PubComp, 5));
        subscriber.AssertReceived(new Publish("t", "x", ExactlyOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Qos2_message_is_delivered_once_when_publisher_resends_with_dup()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("t", "x", ExactlyOnce, packetId: 5);
        await publisher.PublishAsync("t", "x", ExactlyOnce, packetId: 5, dup: true);
        await publisher.PubRelAsync(5);

        publisher.AssertReceived(
            new AckPacket(PacketType.PubRec, 5),
            new AckPacket(PacketType.PubRec, 5),
            new AckPacket(PacketType.PubComp, 5));
        subscriber.AssertReceived(new Publish("t", "x", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Qos2_packet_id_starts_a_new_message_after_pubrel()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtMostOnce);
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("t", "first", ExactlyOnce, packetId: 5);
        await publisher.PubRelAsync(5);
        await publisher.PublishAsync("t", "second", ExactlyOnce, packetId: 5);

        subscriber.AssertReceived(new Publish("t", "first"), new Publish("t", "second"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.6.4-1")]
    public async Task Pubrel_for_an_unknown_packet_id_is_answered_with_pubcomp()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1");

        await client.PubRelAsync(77);

        client.AssertReceived(new AckPacket(PacketType.PubComp, 77));
        Assert.False(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.2-1")]
    public async Task Outgoing_qos1_message_stays_in_flight_until_puback()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub");
        var session = broker.SessionOf("sub");

        await publisher.PublishAsync("t", "x", AtLeastOnce);
        subscriber.AssertReceived(new Publish("t", "x", AtLeastOnce, PacketId: 1, Dup: false));
        Assert.Equal(1, session.InflightCount);

        await subscriber.PubAckAsync(1);
        Assert.Equal(0, session.InflightCount);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-1")]
    public async Task Outgoing_qos2_message_completes_with_pubrec_pubrel_pubcomp()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");
        var session = broker.SessionOf("sub");

        await publisher.PublishAsync("t", "x", ExactlyOnce);
        subscriber.AssertReceived(new Publish("t", "x", ExactlyOnce, PacketId: 1, Dup: false));

        await subscriber.PubRecAsync(1);
        subscriber.AssertReceived(new AckPacket(PacketType.PubRel, 1));
        Assert.Equal(1, session.InflightCount);

        await subscriber.PubCompAsync(1);
        Assert.Equal(0, session.InflightCount);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-2.3.1-4")]
    public async Task Messages_in_flight_to_one_client_have_distinct_nonzero_packet_ids()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");

        for (var i = 0; i < 10; i++)
            await publisher.PublishAsync("t", $"m{i}", i % 2 == 0 ? AtLeastOnce : ExactlyOnce);

        var ids = subscriber.Received().Cast<Publish>().Select(p => p.PacketId).ToArray();
        Assert.Equal(10, ids.Length);
        Assert.DoesNotContain((ushort)0, ids);
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    [Trait("Spec", "MQTT-2.3.1-4")]
    public async Task Packet_ids_wrap_around_and_skip_the_ids_still_in_flight()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxInflightMessages = 2 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "held", AtLeastOnce);
        subscriber.AssertReceived(new Publish("t", "held", AtLeastOnce, PacketId: 1)); // never acknowledged

        for (var i = 0; i < ushort.MaxValue + 10; i++)
        {
            await publisher.PublishAsync("t", "m", AtLeastOnce);
            var delivery = Assert.IsType<Publish>(Assert.Single(subscriber.Received()));
            Assert.NotEqual(0, delivery.PacketId);
            Assert.NotEqual(1, delivery.PacketId);
            await subscriber.PubAckAsync(delivery.PacketId);
        }

        Assert.Equal(1, broker.SessionOf("sub").InflightCount);
    }

    [Fact]
    public async Task Acknowledgements_for_unknown_packet_ids_are_ignored()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "x", AtLeastOnce);
        subscriber.AssertReceived(new Publish("t", "x", AtLeastOnce, PacketId: 1));

        await subscriber.PubAckAsync(99);
        await subscriber.PubCompAsync(1); // wrong acknowledgement for a QoS 1 message

        Assert.False(subscriber.IsClosed);
        Assert.Equal(1, broker.SessionOf("sub").InflightCount);
        await subscriber.PubAckAsync(1);
        Assert.Equal(0, broker.SessionOf("sub").InflightCount);
    }
}

using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>QoS 2, both directions, byte for byte over a raw socket.</summary>
public sealed class ExactlyOnceTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Publish_resent_with_DUP_before_PUBREL_is_delivered_once()
    {
        var topic = Unique.Topic("qos2");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        using var publisher = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("pub")));

        await publisher.SendAsync(Packets.Publish(topic, "once", QualityOfService.ExactlyOnce, packetId: 7));
        Assert.Equal([0x50, 0x02, 0x00, 0x07], await publisher.ReadPacketAsync());
        await publisher.SendAsync(Packets.Publish(topic, "once", QualityOfService.ExactlyOnce, packetId: 7, dup: true));
        Assert.Equal([0x50, 0x02, 0x00, 0x07], await publisher.ReadPacketAsync());
        await publisher.SendAsync(Packets.Ack(PacketType.PubRel, 7));
        Assert.Equal([0x70, 0x02, 0x00, 0x07], await publisher.ReadPacketAsync());
        // A marker after the exchange: a second copy would have been queued before it.
        await publisher.SendAsync(Packets.Publish(topic, "marker", QualityOfService.ExactlyOnce, packetId: 8));
        Assert.Equal([0x50, 0x02, 0x00, 0x08], await publisher.ReadPacketAsync());

        Assert.Equal(new Received(topic, "once", 2, false), await subscriber.ReceiveAsync());
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Packet_id_released_by_PUBREL_starts_a_new_message()
    {
        var topic = Unique.Topic("qos2");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        using var publisher = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("pub")));

        foreach (var payload in new[] { "first", "second" })
        {
            await publisher.SendAsync(Packets.Publish(topic, payload, QualityOfService.ExactlyOnce, packetId: 3));
            Assert.Equal([0x50, 0x02, 0x00, 0x03], await publisher.ReadPacketAsync());
            await publisher.SendAsync(Packets.Ack(PacketType.PubRel, 3));
            Assert.Equal([0x70, 0x02, 0x00, 0x03], await publisher.ReadPacketAsync());
        }

        Assert.Equal("first", (await subscriber.ReceiveAsync()).Payload);
        Assert.Equal("second", (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-1")]
    public async Task Server_sends_QoS2_with_PUBREC_PUBREL_PUBCOMP()
    {
        var topic = Unique.Topic("qos2");
        using var subscriber = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("rawsub")));
        await subscriber.SendAsync(Packets.Subscribe(1, topic, QualityOfService.ExactlyOnce));
        Assert.Equal([0x90, 0x03, 0x00, 0x01, 0x02], await subscriber.ReadPacketAsync());

        await Clients.PublishAsync(ClientKind.Paho, server.MqttPort, topic, "exactly once", MqttQualityOfServiceLevel.ExactlyOnce);

        var publish = Packets.ReadPublish(await subscriber.ReadPacketAsync());
        Assert.Equal((topic, "exactly once", QualityOfService.ExactlyOnce, false), (publish.Topic, Packets.PayloadOf(publish), publish.QoS, publish.Dup));
        var id = publish.PacketId;
        await subscriber.SendAsync(Packets.Ack(PacketType.PubRec, id));
        Assert.Equal(Packets.Ack(PacketType.PubRel, id), await subscriber.ReadPacketAsync());
        await subscriber.SendAsync(Packets.Ack(PacketType.PubComp, id));
        await subscriber.SendAsync(Packets.PingReq());
        Assert.Equal([0xD0, 0x00], await subscriber.ReadPacketAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Publish_resent_after_reconnect_before_PUBREL_is_delivered_once()
    {
        var topic = Unique.Topic("qos2");
        var clientId = Unique.ClientId("pub");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        var connect = Packets.Connect(clientId, cleanSession: false);
        using (var publisher = await RawClient.ConnectMqttAsync(server.MqttPort, connect))
        {
            await publisher.SendAsync(Packets.Publish(topic, "once", QualityOfService.ExactlyOnce, packetId: 5));
            Assert.Equal([0x50, 0x02, 0x00, 0x05], await publisher.ReadPacketAsync());
            publisher.Drop(); // before PUBREL
        }

        using var again = await RawClient.ConnectAsync(server.MqttPort);
        await again.SendAsync(connect);
        Assert.Equal([0x20, 0x02, 0x01, 0x00], await again.ReadPacketAsync());
        await again.SendAsync(Packets.Publish(topic, "once", QualityOfService.ExactlyOnce, packetId: 5, dup: true));
        Assert.Equal([0x50, 0x02, 0x00, 0x05], await again.ReadPacketAsync());
        await again.SendAsync(Packets.Ack(PacketType.PubRel, 5));
        Assert.Equal([0x70, 0x02, 0x00, 0x05], await again.ReadPacketAsync());
        await again.SendAsync(Packets.Publish(topic, "marker", QualityOfService.AtLeastOnce, packetId: 6));
        Assert.Equal([0x40, 0x02, 0x00, 0x06], await again.ReadPacketAsync());

        Assert.Equal(new Received(topic, "once", 2, false), await subscriber.ReceiveAsync());
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }
}

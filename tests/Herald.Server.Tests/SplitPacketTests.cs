using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>TCP has no packet boundaries: packets split across reads or packed into one read are handled alike.</summary>
public sealed class SplitPacketTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    public async Task Connect_and_publish_sent_one_byte_at_a_time_are_processed()
    {
        var topic = Unique.Topic("bytes");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        using var publisher = await RawClient.ConnectAsync(server.MqttPort);

        await publisher.SendByteByByteAsync(Packets.Concat(
            Packets.Connect(Unique.ClientId("bytes")),
            Packets.Publish(topic, "one byte at a time", QualityOfService.AtLeastOnce, packetId: 1)));

        Assert.Equal(Packets.ConnAckAccepted, await publisher.ReadPacketAsync());
        Assert.Equal([0x40, 0x02, 0x00, 0x01], await publisher.ReadPacketAsync());
        Assert.Equal(new Received(topic, "one byte at a time", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task Subscribe_sent_one_byte_at_a_time_is_processed()
    {
        var topic = Unique.Topic("bytes");
        using var subscriber = await RawClient.ConnectAsync(server.MqttPort);

        await subscriber.SendByteByByteAsync(Packets.Concat(
            Packets.Connect(Unique.ClientId("bytes")),
            Packets.Subscribe(9, topic, QualityOfService.AtMostOnce)));
        Assert.Equal(Packets.ConnAckAccepted, await subscriber.ReadPacketAsync());
        Assert.Equal([0x90, 0x03, 0x00, 0x09, 0x00], await subscriber.ReadPacketAsync());

        await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, topic, "hello", MqttQualityOfServiceLevel.AtMostOnce);
        Assert.Equal(Packets.Publish(topic, "hello"), await subscriber.ReadPacketAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.0-1")]
    public async Task Packets_packed_into_one_write_are_all_processed()
    {
        var topic = Unique.Topic("packed");
        using var client = await RawClient.ConnectAsync(server.MqttPort);

        await client.SendAsync(Packets.Concat(
            Packets.Connect(Unique.ClientId("packed")),
            Packets.Subscribe(1, topic, QualityOfService.AtLeastOnce),
            Packets.Publish(topic, "to myself", QualityOfService.AtLeastOnce, packetId: 2),
            Packets.PingReq()));

        Assert.Equal(Packets.ConnAckAccepted, await client.ReadPacketAsync());
        Assert.Equal([0x90, 0x03, 0x00, 0x01, 0x01], await client.ReadPacketAsync());
        // The PUBACK for packet 2 and our own message (packet id chosen by the server) in either
        // order, then PINGRESP: packets on one connection are handled in order.
        byte[][] rest = [await client.ReadPacketAsync(), await client.ReadPacketAsync(), await client.ReadPacketAsync()];
        Assert.Contains(rest[..2], p => p.SequenceEqual(new byte[] { 0x40, 0x02, 0x00, 0x02 }));
        var delivered = Packets.ReadPublish(Assert.Single(rest[..2], p => PacketFrame.TypeOf(p[0]) == PacketType.Publish));
        Assert.Equal((topic, "to myself", QualityOfService.AtLeastOnce), (delivered.Topic, Packets.PayloadOf(delivered), delivered.QoS));
        Assert.Equal([0xD0, 0x00], rest[2]);
    }
}

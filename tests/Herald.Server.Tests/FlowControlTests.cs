using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>The configured bounds on messages in flight to a client and queued for it.</summary>
public sealed class FlowControlTests
{
    [Fact]
    public async Task No_more_than_MaxInflightMessages_are_sent_before_acknowledgement()
    {
        await using var server = await HeraldServer.StartAsync(extraArgs: "--Herald:Mqtt:MaxInflightMessages=2");
        var topic = Unique.Topic("inflight");
        using var subscriber = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("slow")));
        await subscriber.SendAsync(Packets.Subscribe(1, topic, QualityOfService.AtLeastOnce));
        await subscriber.ReadPacketAsync();

        await Mosquitto.PublishAsync(server.MqttPort, topic, ["m1", "m2", "m3"], MqttQualityOfServiceLevel.AtLeastOnce);

        var first = Packets.ReadPublish(await subscriber.ReadPacketAsync());
        var second = Packets.ReadPublish(await subscriber.ReadPacketAsync());
        Assert.Equal(["m1", "m2"], [Packets.PayloadOf(first), Packets.PayloadOf(second)]);
        // m3 was routed before this PINGREQ was sent; had it been sent, it would come first.
        await subscriber.SendAsync(Packets.PingReq());
        Assert.Equal([0xD0, 0x00], await subscriber.ReadPacketAsync());

        await subscriber.SendAsync(Packets.Ack(PacketType.PubAck, first.PacketId));
        Assert.Equal("m3", Packets.PayloadOf(Packets.ReadPublish(await subscriber.ReadPacketAsync())));
    }

    [Fact]
    public async Task Offline_queue_beyond_MaxQueuedMessages_drops_the_oldest()
    {
        await using var server = await HeraldServer.StartAsync(extraArgs: "--Herald:Mqtt:MaxQueuedMessages=3");
        var clientId = Unique.ClientId("overflow");
        var topic = Unique.Topic("overflow");
        await using (var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanSession(false)))
            await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Mosquitto.PublishAsync(server.MqttPort, topic, ["m1", "m2", "m3", "m4", "m5"], MqttQualityOfServiceLevel.AtLeastOnce);

        await using var back = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanSession(false));
        Assert.True(back.ConnectResult.IsSessionPresent);
        foreach (var payload in new[] { "m3", "m4", "m5" })
            Assert.Equal(payload, (await back.ReceiveAsync()).Payload);
        await back.PublishAsync(topic, "marker", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("marker", (await back.ReceiveAsync()).Payload);
    }
}

using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Durability;

/// <summary>
/// A kill -9 in the middle of a QoS 1 or QoS 2 exchange, in both directions, byte for byte over a
/// raw MQTT 3.1.1 socket: after the restart the exchange resumes where the acknowledgements left it.
/// </summary>
public sealed class InflightAcrossKillTests
{
    /// <summary>CONNACK accepted, session present: the persistent session came back from the store.</summary>
    private static readonly byte[] ConnAckSessionPresent = [0x20, 0x02, 0x01, 0x00];

    private static readonly byte[] PingResp = [0xD0, 0x00];

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Inbound_QoS2_publish_resent_after_kill_between_PUBREC_and_PUBREL_is_delivered_once()
    {
        await using var herald = await HeraldProcess.StartAsync();
        var topic = Unique.Topic("in2");
        var subscriberId = Unique.ClientId("in2sub");
        await using (var subscriber = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId))
            await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        var connect = Packets.Connect(Unique.ClientId("in2pub"), cleanSession: false);

        using (var publisher = await RawClient.ConnectMqttAsync(herald.MqttPort, connect))
        {
            await publisher.SendAsync(Packets.Publish(topic, "once", QualityOfService.ExactlyOnce, packetId: 7));
            Assert.Equal(Packets.Ack(PacketType.PubRec, 7), await publisher.ReadPacketAsync());
            await herald.KillAsync(); // before PUBREL
        }
        await herald.StartAsync();

        using (var again = await RawClient.ConnectAsync(herald.MqttPort))
        {
            await again.SendAsync(connect);
            Assert.Equal(ConnAckSessionPresent, await again.ReadPacketAsync());
            await again.SendAsync(Packets.Publish(topic, "once", QualityOfService.ExactlyOnce, packetId: 7, dup: true));
            Assert.Equal(Packets.Ack(PacketType.PubRec, 7), await again.ReadPacketAsync());
            await again.SendAsync(Packets.Ack(PacketType.PubRel, 7));
            Assert.Equal(Packets.Ack(PacketType.PubComp, 7), await again.ReadPacketAsync());
            // A marker after the exchange, at the same QoS so it may not overtake [MQTT-4.6.0-6]:
            // a second copy would have been queued before it.
            await again.SendAsync(Packets.Publish(topic, "marker", QualityOfService.ExactlyOnce, packetId: 8));
            Assert.Equal(Packets.Ack(PacketType.PubRec, 8), await again.ReadPacketAsync());
            await again.SendAsync(Packets.Ack(PacketType.PubRel, 8));
            Assert.Equal(Packets.Ack(PacketType.PubComp, 8), await again.ReadPacketAsync());
        }

        await using var back = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId);
        Assert.True(back.ConnectResult.IsSessionPresent);
        List<Received> received = [await back.ReceiveAsync(), await back.ReceiveAsync()];
        // Published once the queue is drained: a late second copy would come before it.
        await Clients.PublishAsync(ClientKind.MQTTnet, herald.MqttPort, topic, "end", MqttQualityOfServiceLevel.ExactlyOnce);
        received.Add(await back.ReceiveAsync());
        Assert.Equal(
            [new Received(topic, "once", 2, false), new Received(topic, "marker", 2, false), new Received(topic, "end", 2, false)],
            received);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-1")]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Outbound_QoS2_after_kill_between_PUBREL_and_PUBCOMP_resumes_with_PUBREL_not_PUBLISH()
    {
        await using var herald = await HeraldProcess.StartAsync();
        var topic = Unique.Topic("out2");
        var connect = Packets.Connect(Unique.ClientId("out2sub"), cleanSession: false);
        ushort id;

        using (var subscriber = await SubscribePersistentRawAsync(herald.MqttPort, connect, topic, QualityOfService.ExactlyOnce))
        {
            await Clients.PublishAsync(ClientKind.MQTTnet, herald.MqttPort, topic, "exactly once", MqttQualityOfServiceLevel.ExactlyOnce);
            var publish = Packets.ReadPublish(await subscriber.ReadPacketAsync());
            Assert.Equal((topic, "exactly once", QualityOfService.ExactlyOnce, false), (publish.Topic, Packets.PayloadOf(publish), publish.QoS, publish.Dup));
            id = publish.PacketId;
            await subscriber.SendAsync(Packets.Ack(PacketType.PubRec, id));
            Assert.Equal(Packets.Ack(PacketType.PubRel, id), await subscriber.ReadPacketAsync());
            await herald.KillAsync(); // before PUBCOMP
        }
        await herald.StartAsync();

        using var again = await RawClient.ConnectAsync(herald.MqttPort);
        await again.SendAsync(connect);
        Assert.Equal(ConnAckSessionPresent, await again.ReadPacketAsync());
        // The PUBREC was received before the kill: the message must not be sent again, only its PUBREL.
        Assert.Equal(Packets.Ack(PacketType.PubRel, id), await again.ReadPacketAsync());
        await again.SendAsync(Packets.Ack(PacketType.PubComp, id));
        await again.SendAsync(Packets.PingReq());
        Assert.Equal(PingResp, await again.ReadPacketAsync());

        // The subscription survived as well: a new message arrives as a new PUBLISH.
        await Clients.PublishAsync(ClientKind.MQTTnet, herald.MqttPort, topic, "after restart", MqttQualityOfServiceLevel.ExactlyOnce);
        var next = Packets.ReadPublish(await again.ReadPacketAsync());
        Assert.Equal((topic, "after restart", QualityOfService.ExactlyOnce, false), (next.Topic, Packets.PayloadOf(next), next.QoS, next.Dup));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-1")]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Outbound_QoS2_after_kill_before_PUBREC_is_resent_with_DUP_and_the_same_packet_id()
    {
        await using var herald = await HeraldProcess.StartAsync();

        var (again, id) = await ResentAfterKillAsync(herald, "out2", QualityOfService.ExactlyOnce, "exactly once");

        using var _ = again;
        await again.SendAsync(Packets.Ack(PacketType.PubRec, id));
        Assert.Equal(Packets.Ack(PacketType.PubRel, id), await again.ReadPacketAsync());
        await again.SendAsync(Packets.Ack(PacketType.PubComp, id));
        await again.SendAsync(Packets.PingReq());
        Assert.Equal(PingResp, await again.ReadPacketAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-1")]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Outbound_QoS1_after_kill_before_PUBACK_is_resent_with_DUP_and_the_same_packet_id()
    {
        await using var herald = await HeraldProcess.StartAsync();

        var (again, id) = await ResentAfterKillAsync(herald, "out1", QualityOfService.AtLeastOnce, "at least once");

        using var _ = again;
        await again.SendAsync(Packets.Ack(PacketType.PubAck, id));
        await again.SendAsync(Packets.PingReq());
        Assert.Equal(PingResp, await again.ReadPacketAsync());
    }

    /// <summary>
    /// A persistent raw subscriber is sent <paramref name="payload"/> at <paramref name="qos"/> and the
    /// server is killed before the subscriber acknowledges it. After the restart the subscriber
    /// reconnects, finds its session and is sent the message again with DUP and the same packet id;
    /// returns that connection, for the test to finish the exchange, and the id.
    /// </summary>
    private static async Task<(RawClient Again, ushort Id)> ResentAfterKillAsync(HeraldProcess herald, string name, QualityOfService qos, string payload)
    {
        var topic = Unique.Topic(name);
        var connect = Packets.Connect(Unique.ClientId(name + "sub"), cleanSession: false);
        ushort id;
        using (var subscriber = await SubscribePersistentRawAsync(herald.MqttPort, connect, topic, qos))
        {
            await Clients.PublishAsync(ClientKind.MQTTnet, herald.MqttPort, topic, payload, (MqttQualityOfServiceLevel)qos);
            var publish = Packets.ReadPublish(await subscriber.ReadPacketAsync());
            Assert.Equal((topic, payload, qos, false), (publish.Topic, Packets.PayloadOf(publish), publish.QoS, publish.Dup));
            id = publish.PacketId;
            await herald.KillAsync(); // before PUBACK or PUBREC
        }
        await herald.StartAsync();

        var again = await RawClient.ConnectAsync(herald.MqttPort);
        try
        {
            await again.SendAsync(connect);
            Assert.Equal(ConnAckSessionPresent, await again.ReadPacketAsync());
            var resent = Packets.ReadPublish(await again.ReadPacketAsync());
            Assert.Equal((topic, payload, qos, true, id), (resent.Topic, Packets.PayloadOf(resent), resent.QoS, resent.Dup, resent.PacketId));
        }
        catch
        {
            again.Dispose();
            throw;
        }
        return (again, id);
    }

    /// <summary>Connects with clean session 0 and subscribes to <paramref name="topic"/>, asserting SUBACK granted the QoS.</summary>
    private static async Task<RawClient> SubscribePersistentRawAsync(int port, byte[] connect, string topic, QualityOfService qos)
    {
        var client = await RawClient.ConnectMqttAsync(port, connect);
        try
        {
            await client.SendAsync(Packets.Subscribe(1, topic, qos));
            Assert.Equal([0x90, 0x03, 0x00, 0x01, (byte)qos], await client.ReadPacketAsync());
        }
        catch
        {
            client.Dispose();
            throw;
        }
        return client;
    }
}

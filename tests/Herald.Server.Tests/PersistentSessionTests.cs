using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// Clean session 0: subscriptions and QoS 1/2 messages wait for an offline client, which gets
/// them, in order, when it comes back.
/// </summary>
public sealed class PersistentSessionTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    private const MqttQualityOfServiceLevel QoS1 = MqttQualityOfServiceLevel.AtLeastOnce;
    private static readonly string[] Offline = ["m1", "m2", "m3", "m4", "m5"];

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.1.2-5")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task MQTTnet_gets_messages_queued_while_offline_in_order()
    {
        var clientId = Unique.ClientId("offline");
        var topic = Unique.Topic("offline");
        await using (var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanSession(false)))
        {
            Assert.False(subscriber.ConnectResult.IsSessionPresent);
            await subscriber.SubscribeAsync(topic, QoS1);
        }

        await Mosquitto.PublishAsync(server.MqttPort, topic, Offline, QoS1);

        await using var back = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanSession(false));
        Assert.True(back.ConnectResult.IsSessionPresent);
        foreach (var payload in Offline)
            Assert.Equal(new Received(topic, payload, 1, false), await back.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.1.2-5")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Paho_gets_messages_queued_while_offline_in_order()
    {
        var clientId = Unique.ClientId("offline");
        var topic = Unique.Topic("offline");
        await using (var first = await Paho.SubscribeAsync(server.MqttPort, topic, QoS1, count: 0, clientId: clientId, cleanSession: false))
        {
            Assert.False(first.SessionPresent);
            await first.Process.ExpectSuccessAsync();
        }

        await Paho.PublishAsync(server.MqttPort, topic, Offline, QoS1);

        await using var back = await Paho.SubscribeAsync(server.MqttPort, null, count: Offline.Length, clientId: clientId, cleanSession: false);
        Assert.Equal(0, back.ReturnCode);
        Assert.True(back.SessionPresent);
        foreach (var payload in Offline)
            Assert.Equal(new Received(topic, payload, 1, false), await back.ReceiveAsync());
        await back.Process.ExpectSuccessAsync();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.1.2-5")]
    public async Task Mosquitto_sub_gets_messages_queued_while_offline_in_order()
    {
        var clientId = Unique.ClientId("offline");
        var topic = Unique.Topic("offline");
        // -c -i: persistent session; count 0 (-E): exit with DISCONNECT once subscribed.
        await using (var first = await Mosquitto.SubscribeAsync(server.MqttPort, topic, QoS1, count: 0, clientId: clientId, persistent: true))
            await first.ExpectSuccessAsync();
        // mosquitto_sub does not print CONNACK's session present flag; the server's side of it
        // is that the reconnecting client is attached to the very session it left.
        Assert.True(server.Broker.Sessions.TryGet(clientId, out var stored));

        await Paho.PublishAsync(server.MqttPort, topic, Offline, QoS1);

        // The queued messages may all arrive before SUBACK, and it exits after the last one.
        await using var back = await Mosquitto.SubscribeAsync(server.MqttPort, topic, QoS1, count: Offline.Length, clientId: clientId, persistent: true, awaitSubAck: false);
        foreach (var payload in Offline)
            Assert.Equal(new Received(topic, payload, 1, false), await back.ReceiveAsync());
        await back.ExpectSuccessAsync();
        Assert.True(server.Broker.Sessions.TryGet(clientId, out var resumed));
        Assert.Same(stored, resumed);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-3.3.1-1")]
    public async Task Unacknowledged_message_is_resent_with_DUP_on_reconnect()
    {
        var clientId = Unique.ClientId("resend");
        var topic = Unique.Topic("resend");
        var connect = Packets.Connect(clientId, cleanSession: false);
        ushort firstId;
        using (var subscriber = await RawClient.ConnectMqttAsync(server.MqttPort, connect))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, topic, QualityOfService.AtLeastOnce));
            await subscriber.ReadPacketAsync();
            await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, topic, "unacknowledged", QoS1);
            var publish = Packets.ReadPublish(await subscriber.ReadPacketAsync());
            Assert.False(publish.Dup);
            firstId = publish.PacketId;
            subscriber.Drop(); // no PUBACK
        }

        using var back = await RawClient.ConnectAsync(server.MqttPort);
        await back.SendAsync(connect);

        Assert.Equal([0x20, 0x02, 0x01, 0x00], await back.ReadPacketAsync());
        var again = Packets.ReadPublish(await back.ReadPacketAsync());
        Assert.Equal((topic, "unacknowledged", QualityOfService.AtLeastOnce, true, firstId), (again.Topic, Packets.PayloadOf(again), again.QoS, again.Dup, again.PacketId));
        await back.SendAsync(Packets.Ack(PacketType.PubAck, firstId));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task QoS2_message_acknowledged_with_PUBREC_resumes_with_PUBREL_on_reconnect()
    {
        var clientId = Unique.ClientId("pubrel");
        var topic = Unique.Topic("pubrel");
        var connect = Packets.Connect(clientId, cleanSession: false);
        ushort id;
        using (var subscriber = await RawClient.ConnectMqttAsync(server.MqttPort, connect))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, topic, QualityOfService.ExactlyOnce));
            await subscriber.ReadPacketAsync();
            await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, topic, "half done", MqttQualityOfServiceLevel.ExactlyOnce);
            id = Packets.ReadPublish(await subscriber.ReadPacketAsync()).PacketId;
            await subscriber.SendAsync(Packets.Ack(PacketType.PubRec, id));
            Assert.Equal(Packets.Ack(PacketType.PubRel, id), await subscriber.ReadPacketAsync());
            subscriber.Drop(); // no PUBCOMP
        }

        using var back = await RawClient.ConnectAsync(server.MqttPort);
        await back.SendAsync(connect);

        Assert.Equal([0x20, 0x02, 0x01, 0x00], await back.ReadPacketAsync());
        // The receiver owns the message already: only the PUBREL is re-sent, not the PUBLISH.
        Assert.Equal(Packets.Ack(PacketType.PubRel, id), await back.ReadPacketAsync());
        await back.SendAsync(Packets.Concat(Packets.Ack(PacketType.PubComp, id), Packets.PingReq()));
        Assert.Equal([0xD0, 0x00], await back.ReadPacketAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-6")]
    public async Task Clean_session_discards_subscriptions_and_queued_messages()
    {
        var clientId = Unique.ClientId("cleaned");
        var topic = Unique.Topic("cleaned");
        await using (var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanSession(false)))
            await subscriber.SubscribeAsync(topic, QoS1);
        await Mosquitto.PublishAsync(server.MqttPort, topic, "queued for the old session", QoS1);

        await using var clean = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanSession(true));
        Assert.False(clean.ConnectResult.IsSessionPresent);
        // The old subscription is gone: only a subscription made now delivers, and nothing queued arrives first.
        var marker = Unique.Topic("cleaned-marker");
        await clean.SubscribeAsync(marker, QoS1);
        await Mosquitto.PublishAsync(server.MqttPort, topic, "after clean", QoS1);
        await Mosquitto.PublishAsync(server.MqttPort, marker, "marker", QoS1);
        Assert.Equal(new Received(marker, "marker", 1, false), await clean.ReceiveAsync());
    }
}

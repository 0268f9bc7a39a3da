using System.Text;
using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// MQTT 5 wills: published when the connection ends without DISCONNECT or with DISCONNECT 0x04
/// (Disconnect with Will Message), discarded by DISCONNECT 0x00, carrying their own properties.
/// </summary>
public sealed class Mqtt5WillTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_without_delay_is_published_with_its_properties_when_the_socket_drops()
    {
        var willTopic = Unique.Topic("will5");
        await using var watcher = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, willTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5drop"), o => WithWill(o, willTopic, "dropped")
            .WithWillDelayInterval(0)
            .WithWillContentType("text/plain")
            .WithWillUserProperty("reason", Encoding.UTF8.GetBytes("socket").AsMemory())
            .WithWillUserProperty("reason", Encoding.UTF8.GetBytes("dropped").AsMemory()));

        // Dispose without DisconnectAsync closes the socket with no DISCONNECT.
        client.Client.Dispose();

        var will = await watcher.ReceiveAsync();
        Assert.Equal((willTopic, "dropped", 1), (will.Topic, will.Payload, will.QoS));
        Assert.Equal("text/plain", will.ContentType);
        Assert.Equal([new("reason", "socket"), new("reason", "dropped")], will.UserProperties);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_is_published_when_a_v5_mosquitto_client_is_killed()
    {
        var willTopic = Unique.Topic("will5");
        await using var watcher = await Mqtt5Paho.SubscribeAsync(server.MqttPort, willTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var mosquitto = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, Unique.Topic("idle"), extraArgs:
        [
            "--will-topic", willTopic, "--will-payload", "killed", "--will-qos", "1",
            "-D", "will", "will-delay-interval", "0", "-D", "will", "content-type", "text/x-will",
        ]);

        await mosquitto.Process.KillAsync();

        var will = await watcher.ReceiveAsync();
        Assert.Equal((willTopic, "killed", "text/x-will"), (will.Topic, will.Payload, will.ContentType));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Disconnect_with_will_message_0x04_publishes_the_will()
    {
        var willTopic = Unique.Topic("will5");
        await using var watcher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5watch"));
        await watcher.SubscribeAsync(willTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5bye"), o => WithWill(o, willTopic, "asked for"));

        await client.DisconnectAsync(MqttClientDisconnectOptionsReason.DisconnectWithWillMessage);

        var will = await watcher.ReceiveAsync();
        Assert.Equal((willTopic, "asked for"), (will.Topic, will.Payload));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_delay_does_not_hold_the_will_of_a_session_that_ends_with_its_connection()
    {
        var willTopic = Unique.Topic("will5");
        await using var watcher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5watch"));
        await watcher.SubscribeAsync(willTopic, MqttQualityOfServiceLevel.AtLeastOnce);

        // Session Expiry 0: the session ends now, and the will goes out with it (section 3.1.3.2.2).
        await Mqtt5Packets.ConnectAndDisconnectAsync(server.MqttPort,
            Mqtt5Packets.Connect(Unique.ClientId("r5short"), sessionExpiry: 0, willTopic, "at session end", willDelay: 3600), ReasonCode.DisconnectWithWillMessage);

        Assert.Equal("at session end", (await watcher.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.14.4-3")]
    public async Task Normal_disconnect_discards_the_will()
    {
        var willTopic = Unique.Topic("will5");
        await using var watcher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5watch"));
        await watcher.SubscribeAsync(willTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        // Raw bytes, because the server closing its side is what tells that it handled DISCONNECT:
        // MQTTnet closes the socket itself right after sending it.
        await Mqtt5Packets.ConnectAndDisconnectAsync(server.MqttPort,
            Mqtt5Packets.Connect(Unique.ClientId("r5bye"), sessionExpiry: 0, willTopic, "must not be sent"), ReasonCode.NormalDisconnection);

        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(willTopic, "marker", 1));

        Assert.Equal("marker", (await watcher.ReceiveAsync()).Payload);
    }

    private static MqttClientOptionsBuilder WithWill(MqttClientOptionsBuilder options, string topic, string payload) =>
        options.WithWillTopic(topic).WithWillPayload(payload).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce);
}

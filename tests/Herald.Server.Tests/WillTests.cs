using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>The will message: published when a connection ends without DISCONNECT, discarded with one.</summary>
public sealed class WillTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_is_published_when_the_socket_drops()
    {
        var willTopic = Unique.Topic("will");
        await using var subscriber = await SubscribeAsync(willTopic);
        var client = await RawClient.ConnectMqttAsync(server.MqttPort,
            Packets.Connect(Unique.ClientId("dropped"), will: Packets.Will(willTopic, "gone", QualityOfService.AtLeastOnce)));

        client.Drop();

        Assert.Equal(new Received(willTopic, "gone", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_is_published_when_a_mosquitto_client_is_killed()
    {
        var willTopic = Unique.Topic("will");
        await using var subscriber = await SubscribeAsync(willTopic);
        await using var mosquitto = await Mosquitto.SubscribeAsync(server.MqttPort, Unique.Topic("idle"), count: 1,
            extraArgs: ["--will-topic", willTopic, "--will-payload", "killed", "--will-qos", "1"]);

        await mosquitto.KillAsync();

        Assert.Equal(new Received(willTopic, "killed", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_is_published_when_the_server_closes_the_connection_for_a_protocol_error()
    {
        var willTopic = Unique.Topic("will");
        await using var subscriber = await SubscribeAsync(willTopic);
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort,
            Packets.Connect(Unique.ClientId("violator"), will: Packets.Will(willTopic, "violated")));

        await client.SendAsync(Packets.Publish("a/#", "wildcards are not allowed in topic names"));
        await client.ReadUntilClosedAsync();

        Assert.Equal(new Received(willTopic, "violated", 0, false), await subscriber.ReceiveAsync());
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V310)]
    [Trait("Spec", "MQTT-3.14.4-3")]
    [Trait("Spec", "MQTT-3.1.2-10")]
    public async Task No_will_after_disconnect(ProtocolVersion version)
    {
        var willTopic = Unique.Topic("will");
        await using var subscriber = await SubscribeAsync(willTopic);
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort,
            Packets.Connect(Unique.ClientId("polite"), will: Packets.Will(willTopic, "should not be sent"), version: version));

        await client.SendAsync(Packets.Disconnect());
        // The server decides about the will before it closes the socket.
        Assert.Empty(await client.ReadUntilClosedAsync());
        await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, willTopic, "marker", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-17")]
    public async Task Retained_will_is_kept_for_late_subscribers()
    {
        var willTopic = Unique.Topic("will");
        await using (var live = await SubscribeAsync(willTopic))
        {
            var client = await RawClient.ConnectMqttAsync(server.MqttPort,
                Packets.Connect(Unique.ClientId("retained"), will: Packets.Will(willTopic, "last words", QualityOfService.AtLeastOnce, retain: true)));
            client.Drop();
            Assert.Equal(new Received(willTopic, "last words", 1, false), await live.ReceiveAsync());
        }

        await using var late = await Mosquitto.SubscribeAsync(server.MqttPort, willTopic, MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(new Received(willTopic, "last words", 1, true), await late.ReceiveAsync());
    }

    private async Task<MqttNetClient> SubscribeAsync(string topic)
    {
        var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("willsub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        return subscriber;
    }
}

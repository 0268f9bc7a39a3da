using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>A second connection with a client id already connected takes the session over.</summary>
public sealed class SessionTakeoverTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    public async Task Second_connection_disconnects_the_first_and_publishes_its_will()
    {
        var clientId = Unique.ClientId("takeover");
        var willTopic = Unique.Topic("takeover-will");
        await using var watcher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("watcher"));
        await watcher.SubscribeAsync(willTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var first = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o
            .WithWillTopic(willTopic).WithWillPayload("taken over").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));

        await using var second = await MqttNetClient.ConnectAsync(server.MqttPort, clientId);

        await first.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(new Received(willTopic, "taken over", 1, false), await watcher.ReceiveAsync());
        // The newcomer owns the client id now and works normally.
        var topic = Unique.Topic("takeover");
        await second.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await second.PublishAsync(topic, "mine now", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("mine now", (await second.ReceiveAsync()).Payload);
        Assert.True(second.Client.IsConnected);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Takeover_of_a_persistent_session_keeps_its_subscriptions()
    {
        var clientId = Unique.ClientId("takeover");
        var topic = Unique.Topic("takeover");
        await using var first = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanSession(false));
        await first.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await using var second = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanSession(false));

        Assert.True(second.ConnectResult.IsSessionPresent);
        await first.Disconnected.WaitAsync(Wait.Bound);
        await Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, topic, "still subscribed", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(topic, "still subscribed", 1, false), await second.ReceiveAsync());
    }
}

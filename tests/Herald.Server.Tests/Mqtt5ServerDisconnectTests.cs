using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>An MQTT 5 client is told why the server closes its connection: DISCONNECT with a reason code (section 4.13).</summary>
public sealed class Mqtt5ServerDisconnectTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.4-3")]
    public async Task Client_whose_session_is_taken_over_hears_0x8E()
    {
        var clientId = Unique.ClientId("n5taken");
        await using var first = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId);

        await using var second = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId);

        var disconnected = await first.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, disconnected.Reason);
        Assert.True(second.Client.IsConnected);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-3")]
    public async Task Takeover_by_a_paho_client_tells_the_mqttnet_client_0x8E()
    {
        var clientId = Unique.ClientId("x5taken");
        await using var first = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId);

        await using var paho = await Mqtt5Paho.SubscribeAsync(server.MqttPort, Unique.Topic("takeover"), count: 0, clientId: clientId);

        var disconnected = await first.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, disconnected.Reason);
        Assert.Equal(0, paho.ConnectReason);
    }

    [Fact]
    public async Task Clients_hear_0x8B_when_the_server_stops()
    {
        await using var own = await HeraldServer.StartAsync();
        await using var client = await Mqtt5Client.ConnectAsync(own.MqttPort, Unique.ClientId("n5stop"));
        await client.SubscribeAsync(Unique.Topic("shutdown"), MqttQualityOfServiceLevel.AtLeastOnce);

        await own.App.StopAsync().WaitAsync(Wait.Bound);

        var disconnected = await client.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(MqttClientDisconnectReason.ServerShuttingDown, disconnected.Reason);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-22")]
    public async Task Silent_client_hears_0x8D_after_one_and_a_half_keep_alive_periods()
    {
        var time = new FakeTimeProvider();
        await using var own = await HeraldServer.StartAsync(time);
        // The keep-alive timer is armed before CONNACK, so it is running once ConnectAsync returns.
        await using var client = await Mqtt5Client.ConnectAsync(own.MqttPort, Unique.ClientId("n5quiet"), o => o.WithKeepAlivePeriod(TimeSpan.FromSeconds(10)));

        time.Advance(TimeSpan.FromSeconds(15));

        var disconnected = await client.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(MqttClientDisconnectReason.KeepAliveTimeout, disconnected.Reason);
    }
}

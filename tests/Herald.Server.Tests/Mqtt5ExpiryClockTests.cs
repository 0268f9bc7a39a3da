using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// Session Expiry Interval and Will Delay Interval running out, on a server of its own whose
/// clock the test moves. The client that leaves is a raw socket: the server closing its side
/// after DISCONNECT tells that the session is detached and its timers armed, so the clock is
/// moved only then. Every MQTTnet client here has no keep-alive, so a jump is no silence.
/// </summary>
public sealed class Mqtt5ExpiryClockTests
{
    [Theory]
    [InlineData(59, true)]
    [InlineData(60, false)]
    [Trait("Spec", "MQTT-3.1.2-23")]
    public async Task Session_lasts_exactly_its_expiry_interval(int secondsAway, bool present)
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var clientId = Unique.ClientId("r5exp");
        await Mqtt5Packets.ConnectAndDisconnectAsync(server.MqttPort, Mqtt5Packets.Connect(clientId, sessionExpiry: 60), ReasonCode.NormalDisconnection);

        time.Advance(TimeSpan.FromSeconds(secondsAway));
        await using var back = await ConnectAsync(server, clientId);

        Assert.Equal(present, back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_waits_out_its_delay()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var willTopic = Unique.Topic("willdelay");
        await using var watcher = await WatchAsync(server, willTopic);
        var connect = Mqtt5Packets.Connect(Unique.ClientId("r5will"), sessionExpiry: 300, willTopic, "late", willDelay: 30);
        await Mqtt5Packets.ConnectAndDisconnectAsync(server.MqttPort, connect, ReasonCode.DisconnectWithWillMessage);

        time.Advance(TimeSpan.FromSeconds(29));
        await PublishMarkerAsync(server, willTopic);
        Assert.Equal("marker", (await watcher.ReceiveAsync()).Payload);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("late", (await watcher.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-9")]
    public async Task Will_is_not_sent_when_the_client_returns_within_the_delay()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var willTopic = Unique.Topic("willdelay");
        var clientId = Unique.ClientId("r5will");
        await using var watcher = await WatchAsync(server, willTopic);
        await Mqtt5Packets.ConnectAndDisconnectAsync(server.MqttPort,
            Mqtt5Packets.Connect(clientId, sessionExpiry: 300, willTopic, "must not be sent", willDelay: 30), ReasonCode.DisconnectWithWillMessage);

        time.Advance(TimeSpan.FromSeconds(10));
        await using var back = await ConnectAsync(server, clientId);
        time.Advance(TimeSpan.FromSeconds(60));
        await PublishMarkerAsync(server, willTopic);

        Assert.True(back.ConnectResult.IsSessionPresent);
        Assert.Equal("marker", (await watcher.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-9")]
    public async Task Delayed_will_is_not_sent_when_another_connection_takes_the_session_over()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var willTopic = Unique.Topic("willdelay");
        var clientId = Unique.ClientId("n5will");
        await using var watcher = await WatchAsync(server, willTopic);
        await using var first = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300).WithNoKeepAlive()
            .WithWillTopic(willTopic).WithWillPayload("must not be sent").WithWillDelayInterval(30).WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));

        await using var second = await ConnectAsync(server, clientId);
        time.Advance(TimeSpan.FromSeconds(60));
        await PublishMarkerAsync(server, willTopic);

        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, (await first.Disconnected.WaitAsync(Wait.Bound)).Reason);
        Assert.Equal("marker", (await watcher.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_goes_out_when_the_session_ends_before_its_delay()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var willTopic = Unique.Topic("willdelay");
        await using var watcher = await WatchAsync(server, willTopic);
        await Mqtt5Packets.ConnectAndDisconnectAsync(server.MqttPort,
            Mqtt5Packets.Connect(Unique.ClientId("r5will"), sessionExpiry: 10, willTopic, "session over", willDelay: 3600), ReasonCode.DisconnectWithWillMessage);

        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal("session over", (await watcher.ReceiveAsync()).Payload);
    }

    private static Task<Mqtt5Client> ConnectAsync(HeraldServer server, string clientId) =>
        Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300).WithNoKeepAlive());

    private static async Task<Mqtt5Client> WatchAsync(HeraldServer server, string topic)
    {
        var watcher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5watch"), o => o.WithNoKeepAlive());
        await watcher.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        return watcher;
    }

    private static async Task PublishMarkerAsync(HeraldServer server, string topic)
    {
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5pub"), o => o.WithNoKeepAlive());
        var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload("marker")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
    }
}

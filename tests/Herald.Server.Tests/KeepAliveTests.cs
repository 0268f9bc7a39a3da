using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// Keep-alive on a fake clock: a client silent for one and a half keep-alive periods is
/// disconnected. Each test starts its own server, since advancing the clock touches every client.
/// </summary>
public sealed class KeepAliveTests
{
    private const ushort KeepAliveSeconds = 2;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(KeepAliveSeconds * 1.5);

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Silent_client_is_disconnected_after_one_and_a_half_keepalive_periods()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect("silent", KeepAliveSeconds));

        time.Advance(Timeout);

        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    [Trait("Spec", "MQTT-3.12.4-1")]
    public async Task Client_that_sends_within_the_keepalive_stays_connected()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect("chatty", KeepAliveSeconds));

        // Each ping comes before 3 s of silence have passed, though the clock moves past 3 s in all.
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(KeepAliveSeconds));
            await client.SendAsync(Packets.PingReq());
            Assert.Equal([0xD0, 0x00], await client.ReadPacketAsync());
        }

        time.Advance(Timeout);
        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task Keepalive_zero_turns_the_timeout_off()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect("forever", keepAliveSeconds: 0));

        time.Advance(TimeSpan.FromHours(1));

        await client.SendAsync(Packets.PingReq());
        Assert.Equal([0xD0, 0x00], await client.ReadPacketAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Keepalive_timeout_publishes_the_will()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var willTopic = Unique.Topic("keepalive-will");
        // MQTTnet keeps its connection alive by the real clock, so the fake one never times it out.
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, "watcher", o => o.WithNoKeepAlive());
        await subscriber.SubscribeAsync(willTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort,
            Packets.Connect("silent", KeepAliveSeconds, will: Packets.Will(willTopic, "timed out", QualityOfService.AtLeastOnce)));

        time.Advance(Timeout);

        await client.ReadUntilClosedAsync();
        Assert.Equal(new Received(willTopic, "timed out", 1, false), await subscriber.ReceiveAsync());
    }
}

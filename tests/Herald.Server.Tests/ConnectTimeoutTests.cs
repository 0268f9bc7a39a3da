using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests;

/// <summary>A connection that does not complete CONNECT in time is closed (section 3.1.4, non-normative).</summary>
public sealed class ConnectTimeoutTests
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Connection_that_never_sends_connect_is_closed_after_the_connect_timeout()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(time);
        var accepted = new ConnectionWatcher(server);
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await accepted.WaitForConnectionAsync();

        time.Advance(ConnectTimeout);

        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task Connection_with_half_a_connect_is_closed_after_the_connect_timeout()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(time);
        var accepted = new ConnectionWatcher(server);
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await accepted.WaitForConnectionAsync();
        await client.SendAsync(Packets.Connect("slow")[..6]);

        time.Advance(ConnectTimeout);

        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    public async Task Connect_in_time_is_accepted_and_not_timed_out_later()
    {
        var time = new FakeTimeProvider();
        await using var server = await StartAsync(time);
        var accepted = new ConnectionWatcher(server);
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await accepted.WaitForConnectionAsync();
        time.Advance(ConnectTimeout - TimeSpan.FromSeconds(1));

        await client.SendAsync(Packets.Connect("punctual"));
        Assert.Equal(Packets.ConnAckAccepted, await client.ReadPacketAsync());
        time.Advance(TimeSpan.FromMinutes(1));

        await client.SendAsync(Packets.PingReq());
        Assert.Equal([0xD0, 0x00], await client.ReadPacketAsync());
    }

    private static Task<HeraldServer> StartAsync(TimeProvider time) =>
        HeraldServer.StartAsync(time, extraArgs: $"--Herald:Mqtt:ConnectTimeoutSeconds={ConnectTimeout.TotalSeconds}");
}

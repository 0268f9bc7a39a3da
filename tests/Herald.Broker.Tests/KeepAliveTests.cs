using Herald.Broker.Tests.Harness;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>Keep alive and PINGREQ (sections 3.1.2.10 and 3.12), on a fake clock.</summary>
public sealed class KeepAliveTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Connection_is_closed_after_one_and_a_half_keepalive_periods_without_a_packet()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 10);

        broker.Advance(TimeSpan.FromSeconds(14));
        Assert.False(client.IsClosed);

        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.12.4-1")]
    public async Task Pingreq_is_answered_with_pingresp()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 10);

        await client.PingAsync();

        client.AssertReceived(PingResp.Instance);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Pingreq_keeps_the_connection_alive()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 10);

        broker.Advance(TimeSpan.FromSeconds(10));
        await client.PingAsync();
        broker.Advance(TimeSpan.FromSeconds(14)); // 24 s after CONNECT, 14 s after PINGREQ
        Assert.False(client.IsClosed);

        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Any_packet_keeps_the_connection_alive()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 10);

        for (var i = 0; i < 5; i++)
        {
            broker.Advance(TimeSpan.FromSeconds(12));
            await client.PublishAsync("t", "tick", AtLeastOnce);
        }

        Assert.False(client.IsClosed);
        Assert.Equal(5, client.Received().Length); // five PUBACKs
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Bytes_of_an_unfinished_packet_do_not_keep_the_connection_alive()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 10);
        var publish = Encode.Publish("t", "never finished", AtMostOnce, packetId: 0, retain: false, dup: false);

        broker.Advance(TimeSpan.FromSeconds(10));
        await client.SendAsync(publish[..1]);
        broker.Advance(TimeSpan.FromSeconds(4));
        await client.SendAsync(publish[1..2]);
        broker.Advance(TimeSpan.FromSeconds(1)); // 15 s after CONNECT, the last whole control packet

        Assert.True(client.IsClosed);
    }

    [Fact]
    public async Task Keepalive_of_zero_turns_the_timeout_off()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 0);

        broker.Advance(TimeSpan.FromDays(1));

        Assert.False(client.IsClosed);
    }

    [Fact]
    public async Task Keepalive_timeout_of_one_client_leaves_others_connected()
    {
        using var broker = new TestBroker();
        var idle = await broker.ConnectAsync("idle", keepAliveSeconds: 10);
        var patient = await broker.ConnectAsync("patient", keepAliveSeconds: 60);

        broker.Advance(TimeSpan.FromSeconds(15));

        Assert.True(idle.IsClosed);
        Assert.False(patient.IsClosed);
        await patient.PingAsync();
        patient.AssertReceived(PingResp.Instance);
    }
}

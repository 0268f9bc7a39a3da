using Herald.Broker.Tests.Harness;

namespace Herald.Broker.Tests;

/// <summary>
/// Every connection's connect and keep-alive deadline lives on one wheel of one-second slots
/// (Connections/TimeoutWheel): deadlines beyond the wheel's 512 seconds, many connections in one
/// slot, and connections that leave before their slot comes up.
/// </summary>
public sealed class TimeoutWheelTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Keepalive_longer_than_the_wheel_goes_round_until_its_deadline()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 600); // closed after 900 s

        broker.Advance(TimeSpan.FromSeconds(513)); // the slot of second 900 came up once already
        Assert.False(client.IsClosed);
        broker.Advance(TimeSpan.FromSeconds(386));
        Assert.False(client.IsClosed);

        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Connections_sharing_a_slot_are_each_closed_and_those_that_left_are_skipped()
    {
        using var broker = new TestBroker();
        var clients = new List<TestClient>();
        for (var i = 0; i < 100; i++)
            clients.Add(await broker.ConnectAsync($"c{i}", keepAliveSeconds: 10));
        for (var i = 0; i < 100; i += 2)
            await clients[i].DisconnectAsync(); // leaves the wheel before its slot

        broker.Advance(TimeSpan.FromSeconds(14));
        Assert.All(clients.Where((_, i) => i % 2 == 1), c => Assert.False(c.IsClosed));

        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.All(clients, c => Assert.True(c.IsClosed));
        Assert.Equal(0, broker.Broker.ConnectionCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Packet_before_the_deadline_moves_the_close_to_its_own_deadline()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 2); // 3 s

        broker.Advance(TimeSpan.FromSeconds(2));
        await client.PingAsync();
        broker.Advance(TimeSpan.FromSeconds(2)); // 4 s after CONNECT, 2 s after the PINGREQ
        Assert.False(client.IsClosed);

        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.True(client.IsClosed);
    }
}

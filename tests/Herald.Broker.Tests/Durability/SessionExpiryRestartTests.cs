using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Durability;

/// <summary>
/// How long a stored session lasts when the server restarts in between (sections 3.1.2.4,
/// 3.1.2.11.2, 4.1): its Session Expiry keeps counting from when its client left, on the fake
/// clock, and a session ended on purpose is not brought back.
/// </summary>
public sealed class SessionExpiryRestartTests
{
    private static Properties Expiry(uint seconds) => new() { SessionExpiryInterval = seconds };

    /// <summary>An MQTT 5 subscriber to "t" whose session lasts <paramref name="seconds"/>, gone offline with one QoS 1 message queued.</summary>
    private static async Task OfflineSessionWithQueuedMessageAsync(DurableTestBroker broker, uint seconds)
    {
        var subscriber = await broker.Connect5Async("sub", seconds);
        await broker.SubscribeAsync(subscriber, "t", AtLeastOnce);
        subscriber.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "queued", AtLeastOnce);
        await broker.DurableAsync();
    }

    private static void AssertNoRowsOf(DurableTestBroker broker, string clientId)
    {
        foreach (var table in new[] { "sessions", "subscriptions", "deliveries", "incoming_qos2", "wills" })
            Assert.True(broker.Rows(table, $"client_id = '{clientId}'") == 0, $"{table} still holds rows of '{clientId}'");
        Assert.Equal(0, broker.Rows("messages"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    [Trait("Spec", "MQTT-4.1.0-2")]
    public async Task Session_expiry_keeps_counting_across_a_restart()
    {
        using var broker = new DurableTestBroker();
        await OfflineSessionWithQueuedMessageAsync(broker, seconds: 10);
        broker.Advance(TimeSpan.FromSeconds(6));

        broker.Restart();
        broker.Advance(TimeSpan.FromSeconds(3));
        Assert.True(broker.HasSession("sub"));
        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.False(broker.HasSession("sub"));
        await broker.DurableAsync();

        broker.Restart();
        Assert.False(broker.HasSession("sub"));
        broker.Kill();
        AssertNoRowsOf(broker, "sub");
        broker.Start();
        var subscriber = broker.Open();
        var connAck = await subscriber.Connect5Async("sub", Expiry(10), cleanStart: false);
        await broker.DurableAsync();
        Assert.False(connAck.SessionPresent);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.1.0-2")]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Session_whose_expiry_passed_while_the_server_was_down_is_gone_after_the_restart()
    {
        using var broker = new DurableTestBroker();
        await OfflineSessionWithQueuedMessageAsync(broker, seconds: 10);
        broker.Advance(TimeSpan.FromSeconds(4));

        broker.Restart(downtime: TimeSpan.FromSeconds(20));

        Assert.False(broker.HasSession("sub"));
        var subscriber = broker.Open();
        var connAck = await subscriber.Connect5Async("sub", Expiry(10), cleanStart: false);
        await broker.DurableAsync();
        Assert.False(connAck.SessionPresent);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    public async Task Session_still_connected_when_the_server_stopped_counts_its_expiry_from_the_restart()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.Connect5Async("sub", sessionExpiry: 10);
        await broker.SubscribeAsync(subscriber, "t", AtLeastOnce);

        broker.Restart();
        broker.Advance(TimeSpan.FromSeconds(9));
        Assert.True(broker.HasSession("sub"));
        broker.Advance(TimeSpan.FromSeconds(1));

        Assert.False(broker.HasSession("sub"));
    }

    [Fact]
    public async Task Session_expiry_set_by_disconnect_is_the_one_that_counts_after_a_restart()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.Connect5Async("sub", sessionExpiry: 3600);
        await broker.SubscribeAsync(subscriber, "t", AtLeastOnce);
        await subscriber.DisconnectAsync(ReasonCode.NormalDisconnection, Expiry(5));
        await broker.DurableAsync();

        broker.Restart();
        broker.Advance(TimeSpan.FromSeconds(4));
        Assert.True(broker.HasSession("sub"));
        broker.Advance(TimeSpan.FromSeconds(1));

        Assert.False(broker.HasSession("sub"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    public async Task Session_whose_expiry_is_set_to_0_on_disconnect_is_not_restored()
    {
        using var broker = new DurableTestBroker();
        await OfflineSessionWithQueuedMessageAsync(broker, seconds: 60);
        var subscriber = await broker.Connect5Async("sub", sessionExpiry: 60, cleanStart: false);
        await broker.DurableAsync();
        subscriber.Received();
        await subscriber.DisconnectAsync(ReasonCode.NormalDisconnection, Expiry(0));
        await broker.DurableAsync();

        broker.Restart();

        Assert.False(broker.HasSession("sub"));
        Assert.Equal(0, broker.Broker.Subscriptions.Count);
        broker.Kill();
        AssertNoRowsOf(broker, "sub");
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-6")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Clean_session_reconnect_discards_the_stored_session_for_good()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(subscriber, "t", AtLeastOnce);
        subscriber.LoseConnection();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "queued", AtLeastOnce);
        await broker.DurableAsync();
        broker.Restart();

        var clean = broker.Open();
        var connAck = await clean.ConnectAsync("sub", cleanSession: true);
        Assert.False(connAck.SessionPresent);
        await clean.DisconnectAsync();
        await broker.DurableAsync();

        broker.Restart();
        Assert.False(broker.HasSession("sub"));
        var resumed = broker.Open();
        connAck = await resumed.ConnectAsync("sub", cleanSession: false);
        publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "after", AtLeastOnce);
        await broker.DurableAsync();
        Assert.Equal(new ConnAckPacket(SessionPresent: false, ConnectReturnCode.Accepted), connAck);
        resumed.AssertReceivedNothing();
        broker.Kill();
        Assert.Equal(0, broker.Rows("subscriptions"));
        Assert.Equal(0, broker.Rows("deliveries"));
        Assert.Equal(0, broker.Rows("messages"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    public async Task Clean_start_with_a_session_expiry_replaces_the_stored_session_by_an_empty_one()
    {
        using var broker = new DurableTestBroker();
        await OfflineSessionWithQueuedMessageAsync(broker, seconds: 60);
        broker.Restart();

        var fresh = broker.Open();
        var connAck = await fresh.Connect5Async("sub", Expiry(60), cleanStart: true);
        Assert.False(connAck.SessionPresent);
        fresh.LoseConnection();
        await broker.DurableAsync();

        broker.Restart();
        var session = broker.SessionOf("sub"); // the new session, stored in its turn
        Assert.Empty(session.Subscriptions);
        Assert.Equal(0, session.QueuedCount + session.InflightCount);
        var resumed = broker.Open();
        connAck = await resumed.Connect5Async("sub", Expiry(60), cleanStart: false);
        await broker.DurableAsync();
        Assert.True(connAck.SessionPresent);
        resumed.AssertReceivedNothing();
    }
}

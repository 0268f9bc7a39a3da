using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Durability;

/// <summary>An MQTT 5 will waiting out its Will Delay Interval when the server restarts (sections 3.1.2.5, 3.1.3.2.2).</summary>
public sealed class WillRestartTests
{
    private static ConnectWill Will(uint delay) =>
        new("status/dev", "offline"u8.ToArray(), AtLeastOnce, Retain: false)
        {
            Properties = new Properties { WillDelayInterval = delay, ContentType = "text/plain" },
        };

    /// <summary>"dev", whose session lasts an hour, lost its connection: its will is due in 30 s.</summary>
    private static async Task DeviceGoneWithDelayedWillAsync(DurableTestBroker broker)
    {
        var device = await broker.Connect5Async("dev", sessionExpiry: 3600, will: Will(delay: 30));
        device.LoseConnection();
        await broker.DurableAsync();
    }

    private static async Task<TestClient> WatcherAsync(DurableTestBroker broker)
    {
        var watcher = await broker.Connect5Async("watcher");
        await broker.SubscribeAsync(watcher, "status/#", AtLeastOnce);
        return watcher;
    }

    /// <summary>After one more restart and five minutes, no will comes, and none is left in the store.</summary>
    private static async Task AssertNoWillAfterRestartAsync(DurableTestBroker broker)
    {
        broker.Restart();
        var watcher = await WatcherAsync(broker);
        broker.Advance(TimeSpan.FromMinutes(5));
        await broker.DurableAsync();
        watcher.AssertReceivedNothing();
        broker.Kill();
        Assert.Equal(0, broker.Rows("wills"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    [Trait("Spec", "MQTT-3.1.3-9")]
    public async Task Delayed_will_pending_at_restart_is_published_when_its_delay_runs_out()
    {
        using var broker = new DurableTestBroker();
        await DeviceGoneWithDelayedWillAsync(broker);
        broker.Advance(TimeSpan.FromSeconds(10));

        broker.Restart();
        var watcher = await WatcherAsync(broker);
        broker.Advance(TimeSpan.FromSeconds(19));
        await broker.DurableAsync();
        watcher.AssertReceivedNothing();
        broker.Advance(TimeSpan.FromSeconds(1));
        await broker.DurableAsync();

        var will = Assert.Single(watcher.ReceivedPublishes());
        Assert.Equal(new Publish("status/dev", "offline", AtLeastOnce, PacketId: 1), will.Message);
        Assert.Equal("text/plain", will.Properties?.ContentType); // the will properties came back too
        Assert.True(broker.HasSession("dev")); // the session outlives its will

        // Published once: it is not due again after another restart.
        await AssertNoWillAfterRestartAsync(broker);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-9")]
    public async Task Delayed_will_is_not_published_when_its_client_reconnects_after_the_restart_within_the_delay()
    {
        using var broker = new DurableTestBroker();
        await DeviceGoneWithDelayedWillAsync(broker);
        broker.Advance(TimeSpan.FromSeconds(10));

        broker.Restart();
        var watcher = await WatcherAsync(broker);
        await broker.Connect5Async("dev", sessionExpiry: 3600, cleanStart: false);
        broker.Advance(TimeSpan.FromMinutes(5));
        await broker.DurableAsync();
        watcher.AssertReceivedNothing();

        await AssertNoWillAfterRestartAsync(broker);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Delayed_will_that_fell_due_while_the_server_was_down_reaches_persistent_subscribers_after_the_restart()
    {
        using var broker = new DurableTestBroker();
        var watcher = await broker.ConnectAsync("watcher", cleanSession: false);
        await broker.SubscribeAsync(watcher, "status/#", AtLeastOnce);
        watcher.LoseConnection();
        await DeviceGoneWithDelayedWillAsync(broker);

        broker.Restart(downtime: TimeSpan.FromMinutes(1));
        broker.Advance(TimeSpan.FromSeconds(1));
        watcher = await broker.ConnectAsync("watcher", cleanSession: false);
        await broker.DurableAsync();

        watcher.AssertReceived(new Publish("status/dev", "offline", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Delayed_will_is_published_when_its_session_expires_after_a_restart_before_the_delay()
    {
        using var broker = new DurableTestBroker();
        var device = await broker.Connect5Async("dev", sessionExpiry: 20, will: Will(delay: 60));
        device.LoseConnection();
        await broker.DurableAsync();
        broker.Advance(TimeSpan.FromSeconds(5));

        broker.Restart();
        var watcher = await WatcherAsync(broker);
        broker.Advance(TimeSpan.FromSeconds(14));
        await broker.DurableAsync();
        watcher.AssertReceivedNothing();
        broker.Advance(TimeSpan.FromSeconds(1));
        await broker.DurableAsync();

        watcher.AssertReceivedMessages(new Publish("status/dev", "offline", AtLeastOnce, PacketId: 1));
        Assert.False(broker.HasSession("dev"));
    }
}

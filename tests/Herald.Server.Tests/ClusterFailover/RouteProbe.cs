using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// A node learns of a subscription on another node through Redis pub/sub, a moment after the
/// SUBACK. Before a test counts what crosses between two nodes, it publishes probes (QoS 0) from
/// one until the subscriber on the other has a new one: from then on the publishing node routes the
/// filter there. The probes stay in the subscriber's queue, for the test to skip.
/// </summary>
public static class RouteProbe
{
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Publishes "probe" to <paramref name="probeTopic"/> until <paramref name="pending"/> (the
    /// subscriber's messages not yet taken) grows past what it was at the call; fails after
    /// <paramref name="bound"/> (default <see cref="Wait.Bound"/>).
    /// </summary>
    public static async Task UntilRoutedAsync(MqttNetClient publisher, string probeTopic, Func<int> pending, string what, TimeSpan? bound = null)
    {
        var before = pending();
        var deadline = DateTime.UtcNow + (bound ?? Wait.Bound);
        while (pending() <= before)
        {
            Assert.True(DateTime.UtcNow < deadline, $"No probe on {probeTopic} reached {what} within {(bound ?? Wait.Bound).TotalSeconds} s.");
            await publisher.PublishAsync(probeTopic, "probe");
            for (var i = 0; i < 5 && pending() <= before; i++)
                await Task.Delay(Pause);
        }
    }

    /// <summary>The next message that is not a probe of <paramref name="probeTopic"/>.</summary>
    public static async Task<Received> NextAfterProbesAsync(Func<Task<Received>> next, string probeTopic)
    {
        while (true)
        {
            var message = await next();
            if (message.Topic != probeTopic)
                return message;
        }
    }
}

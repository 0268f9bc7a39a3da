using System.Globalization;
using Herald.Broker.Tests.Harness;

namespace Herald.Broker.Tests.Diagnostics;

/// <summary>
/// The <c>$SYS/broker/load/...</c> topics, as Mosquitto computes them: each interval's count as a
/// rate per minute, folded into the 1, 5 and 15 minute averages with weight 1 - e^(-interval/period).
/// </summary>
public sealed class SysLoadTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Load_after_one_interval_of_messages_is_mosquittos_decaying_average()
    {
        using var broker = new TestBroker(new BrokerOptions { SysInterval = Interval });
        var publisher = await broker.ConnectAsync("p");
        broker.Advance(Interval); // the first publication: every load starts at 0.00, as in Mosquitto

        for (var i = 0; i < 30; i++)
            await publisher.PublishAsync("t", "12345"); // 10 bytes each
        broker.Advance(Interval);
        var sys = await SysTopicsTests.ReadSysTreeAsync(broker, "reader");

        // 30 PUBLISH in 10 s is 180 a minute: 180 × (1 - e^(-10/60)) = 27.63.
        Assert.Equal(Mosquitto(180, 1), sys["$SYS/broker/load/publish/received/1min"]);
        Assert.Equal("27.63", sys["$SYS/broker/load/publish/received/1min"]);
        Assert.Equal("5.90", sys["$SYS/broker/load/publish/received/5min"]);
        Assert.Equal("1.99", sys["$SYS/broker/load/publish/received/15min"]);
        Assert.Equal("27.63", sys["$SYS/broker/load/messages/received/1min"]); // no other packet came in
        Assert.Equal("276.33", sys["$SYS/broker/load/bytes/received/1min"]); // 1800 bytes a minute
        Assert.Equal("59.01", sys["$SYS/broker/load/bytes/received/5min"]);
        Assert.Equal("19.89", sys["$SYS/broker/load/bytes/received/15min"]);
        Assert.Equal("0.00", sys["$SYS/broker/load/publish/sent/1min"]);
        Assert.Equal("0.00", sys["$SYS/broker/load/connections/1min"]); // "p" connected before the first publication
    }

    [Fact]
    public async Task Load_decays_by_e_to_the_minus_interval_over_period_in_an_idle_interval()
    {
        using var broker = new TestBroker(new BrokerOptions { SysInterval = Interval });
        var publisher = await broker.ConnectAsync("p");
        broker.Advance(Interval);
        for (var i = 0; i < 30; i++)
            await publisher.PublishAsync("t", "12345");
        broker.Advance(Interval);

        broker.Advance(Interval);
        var sys = await SysTopicsTests.ReadSysTreeAsync(broker, "reader");

        // 27.63... × e^(-10/60), the rate of the idle interval being 0.
        Assert.Equal("23.39", sys["$SYS/broker/load/publish/received/1min"]);
        Assert.Equal("5.71", sys["$SYS/broker/load/publish/received/5min"]);
        Assert.Equal("1.97", sys["$SYS/broker/load/publish/received/15min"]);
    }

    [Fact]
    public async Task Load_of_connections_counts_the_connections_of_the_interval()
    {
        using var broker = new TestBroker(new BrokerOptions { SysInterval = Interval });
        broker.Advance(Interval);

        for (var i = 0; i < 4; i++)
            await broker.ConnectAsync($"c{i}");
        broker.Advance(Interval);
        var sys = await SysTopicsTests.ReadSysTreeAsync(broker, "reader");

        Assert.Equal(Mosquitto(24, 1), sys["$SYS/broker/load/connections/1min"]);
        Assert.Equal(Mosquitto(24, 5), sys["$SYS/broker/load/connections/5min"]);
        Assert.Equal(Mosquitto(24, 15), sys["$SYS/broker/load/connections/15min"]);
    }

    /// <summary>Mosquitto's first non-zero load: <paramref name="perMinute"/> folded into 0 over one 10 s interval.</summary>
    private static string Mosquitto(double perMinute, int periodMinutes)
    {
        var exponent = Math.Exp(-Interval.TotalSeconds / (periodMinutes * 60));
        return (perMinute + exponent * (0 - perMinute)).ToString("0.00", CultureInfo.InvariantCulture);
    }
}

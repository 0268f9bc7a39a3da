using System.Diagnostics;
using System.Runtime;
using Herald.Server.Configuration;
using Microsoft.Extensions.Options;

namespace Herald.Server.Hosting;

/// <summary>
/// Gives back to the system what a wave of new connections left behind. Each CONNECT allocates
/// and frees more than the connection keeps (the packet, the login's request and verdict), and
/// the GC keeps the regions that garbage filled resident: after 15,000 connects, about half a
/// kilobyte per connection beyond the live objects. Once the connection count has grown by
/// <see cref="MqttListenerOptions.MemoryTrimAfterConnections"/> and then held still
/// for a check, one compacting collection returns those regions (GCCollectionMode.Aggressive).
/// It blocks every thread for as long as the live heap takes to compact (milliseconds at tens of
/// thousands of connections), so it runs only after such a wave, never on a timer alone, and it
/// logs what it paused and freed.
/// </summary>
public sealed partial class MemoryTrim(Broker.Broker broker, IOptions<HeraldOptions> options, ILogger<MemoryTrim> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(3);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var threshold = options.Value.Mqtt.MemoryTrimAfterConnections;
        if (threshold <= 0)
            return;
        var trimmedAt = broker.ConnectionCount;
        var previous = trimmedAt;
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = broker.ConnectionCount;
                var settled = Math.Abs(now - previous) <= Math.Max(1, now / 100);
                previous = now;
                if (now < trimmedAt)
                    trimmedAt = now; // connections left: the next wave counts from here
                else if (now - trimmedAt >= threshold && settled)
                {
                    Trim(now);
                    trimmedAt = now;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The host is stopping.
        }
    }

    private void Trim(int connections)
    {
        var before = Environment.WorkingSet;
        var pause = GC.GetTotalPauseDuration();
        var started = Stopwatch.GetTimestamp();
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        Trimmed(logger, connections, (GC.GetTotalPauseDuration() - pause).TotalMilliseconds,
            Stopwatch.GetElapsedTime(started).TotalMilliseconds, (before - Environment.WorkingSet) / (1024.0 * 1024));
    }

    [LoggerMessage(EventId = 230, Level = LogLevel.Information,
        Message = "Memory trimmed after a wave of connections ({Connections} open): paused {PauseMilliseconds:0.0} ms ({Milliseconds:0.0} ms in all), {FreedMegabytes:0.0} MB given back")]
    private static partial void Trimmed(ILogger logger, int connections, double pauseMilliseconds, double milliseconds, double freedMegabytes);
}

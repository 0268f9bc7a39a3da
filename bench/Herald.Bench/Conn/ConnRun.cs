using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Herald.Bench.Client;
using Herald.Bench.Measurement;

namespace Herald.Bench.Conn;

/// <summary>
/// The <c>conn</c> verb: opens idle MQTT connections at a fixed rate, each bound to the next
/// source address round robin (every 127.0.0.x has its own ~28,000 ephemeral ports towards one
/// broker port), holds them, and reports how many connected and why the others failed.
/// </summary>
public static class ConnRun
{
    private const int MaxAttemptsInFlight = 1000;

    public static async Task<int> RunAsync(ConnOptions options, CancellationToken cancel)
    {
        var runId = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        var clients = new BenchClient?[options.Count];
        var errors = new Dictionary<string, int>(StringComparer.Ordinal);
        var latency = new LatencyHistogram(); // guarded by errors' lock, like the counters
        var connected = 0;
        var failed = 0;
        using var inFlight = new SemaphoreSlim(MaxAttemptsInFlight);
        var attempts = new List<Task>(options.Count);
        var start = Stopwatch.GetTimestamp();

        using var stopProgress = new CancellationTokenSource();
        var progress = ProgressAsync(() => string.Create(CultureInfo.InvariantCulture,
            $"attempted {attempts.Count,7:N0}  connected {Volatile.Read(ref connected),7:N0}  failed {Volatile.Read(ref failed),6:N0}  open {CountOpen(clients),7:N0}"), start, stopProgress.Token);

        for (var i = 0; i < options.Count && !cancel.IsCancellationRequested; i++)
        {
            var due = start + (long)(i / options.Rate * Stopwatch.Frequency);
            var wait = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (wait > 1)
                await Task.Delay((int)wait, cancel);
            await inFlight.WaitAsync(cancel);
            var index = i;
            var source = options.SourceAddresses.Count == 0 ? null : options.SourceAddresses[i % options.SourceAddresses.Count];
            attempts.Add(Task.Run(async () =>
            {
                var began = Stopwatch.GetTimestamp();
                try
                {
                    clients[index] = await BenchClient.ConnectAsync(options.Server, $"hb{runId}c{index}", source, cancel);
                    lock (errors)
                    {
                        connected++;
                        latency.Record((long)Stopwatch.GetElapsedTime(began).TotalNanoseconds);
                    }
                }
                catch (Exception e)
                {
                    lock (errors)
                    {
                        failed++;
                        var key = e.GetType().Name + ": " + e.Message;
                        errors[key] = errors.GetValueOrDefault(key) + 1;
                    }
                }
                finally
                {
                    inFlight.Release();
                }
            }, CancellationToken.None));
        }
        await Task.WhenAll(attempts);
        var connectSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"connected {connected:N0} of {options.Count:N0} in {connectSeconds:0.0} s ({failed:N0} failed); holding for {options.HoldSeconds} s"));
        if (options.ReadyFile is not null)
            await File.WriteAllTextAsync(options.ReadyFile, connected.ToString(CultureInfo.InvariantCulture), CancellationToken.None);

        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.HoldSeconds), cancel);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C ends the hold early; the report still follows.
        }
        var open = CountOpen(clients);
        stopProgress.Cancel();
        await progress;
        await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (c, _) =>
        {
            if (c is not null)
                await c.DisposeAsync();
        });

        var counts = new long[LatencyHistogram.BucketCount];
        latency.CopyTo(counts);
        var report = new ConnReport(
            new ConnParameters("conn", options.Host, options.Port, options.Count, options.Rate, options.SourceAddressesText, options.HoldSeconds),
            new ConnFigures(attempts.Count, connected, failed, errors, connected - open, Math.Round(connectSeconds, 3),
                Milli(LatencyHistogram.Percentile(counts, 50)), Milli(LatencyHistogram.Percentile(counts, 99)), Milli(LatencyHistogram.Max(counts))));
        var summary = options.Json ? Console.Error : Console.Out;
        summary.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"connected {connected:N0}  failed {failed:N0}  closed by the broker while held {connected - open:N0}  connect p50 {report.Results.ConnectMillisecondsP50} ms p99 {report.Results.ConnectMillisecondsP99} ms"));
        foreach (var (message, count) in errors)
            summary.WriteLine($"  {count} × {message}");
        if (options.Json)
            Console.Out.WriteLine(JsonSerializer.Serialize(report, BenchJsonContext.Default.ConnReport));
        return failed == 0 && open == connected ? 0 : 1;
    }

    private static double Milli(long nanoseconds) => Math.Round(nanoseconds / 1e6, 2);

    private static int CountOpen(BenchClient?[] clients)
    {
        var open = 0;
        foreach (var c in clients)
        {
            if (c is { IsClosed: false })
                open++;
        }
        return open;
    }

    private static async Task ProgressAsync(Func<string> line, long start, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Stopwatch.GetElapsedTime(start).TotalSeconds,6:0.0}s] {line()}"));
        }
        catch (OperationCanceledException)
        {
            // Stopped at the end of the hold.
        }
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Herald.Bench.Client;
using Herald.Bench.Measurement;
using Herald.Protocol;

namespace Herald.Bench.PubSub;

/// <summary>
/// The <c>pub-sub</c> verb: connects and subscribes every client, starts the publishers, prints a
/// progress line a second, measures between the end of the warm-up and the end of the duration,
/// then stops publishing, drains, and counts what never arrived.
/// </summary>
public static class PubSubRun
{
    public static async Task<int> RunAsync(PubSubOptions options, CancellationToken cancel)
    {
        var runId = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        var prefix = $"herald-bench/{runId}";
        var publisherClients = await ConnectAllAsync(options.Server, options.Publishers, i => $"hb{runId}p{i}", cancel);
        var subscriberClients = await ConnectAllAsync(options.SubServer, options.Subscribers, i => $"hb{runId}s{i}", cancel);

        var publishers = new Publisher[options.Publishers];
        var subscribers = new Subscriber[options.Subscribers];
        switch (options.Scenario)
        {
            case Scenario.FanOut:
                publishers[0] = new Publisher(0, $"{prefix}/fan-out", publisherClients[0], options, options.Subscribers);
                for (var i = 0; i < subscribers.Length; i++)
                    subscribers[i] = new Subscriber(publishers[0].Topic, subscriberClients[i], [publishers[0]]);
                break;
            case Scenario.FanIn:
                for (var i = 0; i < publishers.Length; i++)
                    publishers[i] = new Publisher(i, $"{prefix}/in/{i}", publisherClients[i], options, 1);
                subscribers[0] = new Subscriber($"{prefix}/in/+", subscriberClients[0], publishers);
                break;
            default:
                for (var i = 0; i < publishers.Length; i++)
                {
                    publishers[i] = new Publisher(i, $"{prefix}/pair/{i}", publisherClients[i], options, 1);
                    subscribers[i] = new Subscriber(publishers[i].Topic, subscriberClients[i], [publishers[i]]);
                }
                break;
        }
        await Parallel.ForEachAsync(subscribers, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancel },
            async (s, ct) => await s.Client.SubscribeAsync(s.Filter, options.QoS, ct));

        Console.Error.WriteLine($"herald-bench pub-sub: {options.ScenarioName}, {options.Publishers} publisher(s), {options.Subscribers} subscriber(s), " +
            $"QoS {(int)options.QoS}, {options.PayloadSize} B, " +
            (options.Rate is { } r ? $"fixed rate {r:0} msg/s" : $"closed loop ({options.Outstanding} outstanding per publisher)") +
            $", warm-up {options.WarmupSeconds} s, measure {options.DurationSeconds} s against {options.Host}:{options.Port}" +
            (options.SubHost == options.Host && options.SubPort == options.Port ? "" : $", subscribers on {options.SubHost}:{options.SubPort}"));

        var monitor = new Monitor(publishers, subscribers);
        using var stopPublishing = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var start = Stopwatch.GetTimestamp();
        var publishing = new Task[publishers.Length];
        for (var i = 0; i < publishers.Length; i++)
        {
            var publisher = publishers[i];
            publishing[i] = Task.Run(() => publisher.RunAsync(start, stopPublishing.Token), CancellationToken.None);
        }
        using var stopTicking = new CancellationTokenSource();
        var ticking = monitor.TickAsync(start, options.WarmupSeconds, stopTicking.Token);

        Snapshot begin, end;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(options.WarmupSeconds), cancel);
            begin = monitor.Take();
            await Task.Delay(TimeSpan.FromSeconds(options.DurationSeconds), cancel);
            end = monitor.Take();
        }
        finally
        {
            stopPublishing.Cancel();
            foreach (var publisher in publishers)
                publisher.Nudge();
            await Task.WhenAll(publishing);
        }

        monitor.Phase = "drain";
        var drainUntil = Stopwatch.GetTimestamp() + (long)(options.DrainSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < drainUntil && monitor.UniqueReceived() < monitor.Expected())
            await Task.Delay(20, CancellationToken.None);
        stopTicking.Cancel();
        await ticking;

        var connectionsLost = 0;
        foreach (var client in publisherClients.Concat(subscriberClients))
        {
            if (client.IsClosed)
            {
                connectionsLost++;
                Console.Error.WriteLine($"connection lost during the run: {client.CloseReason ?? "closed by the broker"}");
            }
        }
        await Task.WhenAll(publisherClients.Concat(subscriberClients).Select(c => c.DisconnectAsync()));

        var report = Report(options, begin, end, subscribers, publishers, connectionsLost);
        PrintSummary(report, options.Json ? Console.Error : Console.Out);
        if (options.Json)
            Console.Out.WriteLine(JsonSerializer.Serialize(report, BenchJsonContext.Default.PubSubReport));
        return connectionsLost == 0 ? 0 : 1;
    }

    private static async Task<BenchClient[]> ConnectAllAsync(EndPoint server, int count, Func<int, string> clientId, CancellationToken cancel)
    {
        var clients = new BenchClient[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancel },
            async (i, ct) => clients[i] = await BenchClient.ConnectAsync(server, clientId(i), null, ct));
        return clients;
    }

    private static PubSubReport Report(PubSubOptions options, Snapshot begin, Snapshot end, Subscriber[] subscribers, Publisher[] publishers, int connectionsLost)
    {
        var seconds = (end.Timestamp - begin.Timestamp) / (double)Stopwatch.Frequency;
        var latency = new long[LatencyHistogram.BucketCount];
        long samples = 0;
        for (var i = 0; i < latency.Length; i++)
        {
            latency[i] = end.Latency[i] - begin.Latency[i];
            samples += latency[i];
        }
        long expected = 0, lost = 0, duplicates = 0, unknown = 0, stalls = 0;
        foreach (var s in subscribers)
        {
            expected += s.Expected();
            lost += s.Missing();
            duplicates += s.Duplicates;
            unknown += s.Unknown;
        }
        foreach (var p in publishers)
            stalls += p.Stalls;

        var sent = end.Sent - begin.Sent;
        var delivered = end.Received - begin.Received;
        return new PubSubReport(
            new PubSubParameters("pub-sub", options.Host, options.Port, options.SubHost, options.SubPort, options.ScenarioName,
                options.Publishers, options.Subscribers, (int)options.QoS, options.PayloadSize,
                options.DurationSeconds, options.WarmupSeconds, options.DrainSeconds, options.Rate, options.Rate is null ? options.Outstanding : null),
            new PubSubFigures(
                Math.Round(seconds, 3), sent, delivered, Math.Round(sent / seconds), Math.Round(delivered / seconds),
                new LatencyFigures(
                    Micro(LatencyHistogram.Percentile(latency, 50)),
                    Micro(LatencyHistogram.Percentile(latency, 90)),
                    Micro(LatencyHistogram.Percentile(latency, 99)),
                    Micro(LatencyHistogram.Percentile(latency, 99.9)),
                    Micro(LatencyHistogram.Max(latency)),
                    samples),
                expected, lost, duplicates, unknown, stalls, connectionsLost));
    }

    private static double Micro(long nanoseconds) => Math.Round(nanoseconds / 1000.0, 1);

    private static void PrintSummary(PubSubReport report, TextWriter output)
    {
        var r = report.Results;
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"delivered {r.DeliveredPerSecond,12:N0} msg/s   sent {r.SentPerSecond:N0} msg/s   over {r.MeasuredSeconds:0.00} s"));
        output.WriteLine(string.Create(c, $"latency   p50 {r.LatencyMicroseconds.P50:N0} µs   p99 {r.LatencyMicroseconds.P99:N0} µs   p99.9 {r.LatencyMicroseconds.P999:N0} µs   max {r.LatencyMicroseconds.Max:N0} µs"));
        output.WriteLine(string.Create(c, $"lost      {r.Lost:N0} of {r.Expected:N0}   duplicates {r.Duplicates:N0}   stalls {r.Stalls:N0}   connections lost {r.ConnectionsLost}"));
    }

    private sealed record Snapshot(long Timestamp, long Sent, long Received, long[] Latency);

    /// <summary>Reads the counters of every client, for the progress line and the measured window.</summary>
    private sealed class Monitor(Publisher[] publishers, Subscriber[] subscribers)
    {
        public volatile string Phase = "warm-up";

        public Snapshot Take()
        {
            var timestamp = Stopwatch.GetTimestamp();
            long sent = 0, received = 0;
            foreach (var p in publishers)
                sent += p.Sent;
            var latency = new long[LatencyHistogram.BucketCount];
            var one = new long[LatencyHistogram.BucketCount];
            foreach (var s in subscribers)
            {
                received += s.Received;
                s.Latency.CopyTo(one);
                for (var i = 0; i < one.Length; i++)
                    latency[i] += one[i];
            }
            return new Snapshot(timestamp, sent, received, latency);
        }

        public long Expected()
        {
            long expected = 0;
            foreach (var s in subscribers)
                expected += s.Expected();
            return expected;
        }

        public long UniqueReceived()
        {
            long unique = 0;
            foreach (var s in subscribers)
                unique += s.Received - s.Duplicates - s.Unknown;
            return unique;
        }

        public async Task TickAsync(long start, double warmupSeconds, CancellationToken stop)
        {
            var last = Take();
            var ticks = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
            try
            {
                while (await timer.WaitForNextTickAsync(stop))
                {
                    // The closed loop's stall timeout is checked when a waiting publisher wakes.
                    foreach (var p in publishers)
                        p.Nudge();
                    if (++ticks % 10 != 0)
                        continue;
                    var now = Take();
                    var seconds = (now.Timestamp - last.Timestamp) / (double)Stopwatch.Frequency;
                    var delta = new long[LatencyHistogram.BucketCount];
                    for (var i = 0; i < delta.Length; i++)
                        delta[i] = now.Latency[i] - last.Latency[i];
                    var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
                    // A line covers the second before it: "measure" only once that second starts after the warm-up.
                    var phase = Phase == "warm-up" && elapsed >= warmupSeconds + 1 ? Phase = "measure" : Phase;
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{elapsed,6:0.0}s] {phase,-7} delivered {(now.Received - last.Received) / seconds,10:N0}/s  sent {(now.Sent - last.Sent) / seconds,10:N0}/s  p99 {LatencyHistogram.Percentile(delta, 99) / 1000.0,8:N0} µs"));
                    last = now;
                }
            }
            catch (OperationCanceledException)
            {
                // Stopped after the drain.
            }
        }
    }
}

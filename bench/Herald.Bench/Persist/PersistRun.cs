using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json;
using Herald.Bench.Client;
using Herald.Bench.Measurement;
using Herald.Bench.PubSub;

namespace Herald.Bench.Persist;

/// <summary>
/// The <c>persist</c> verb, in three phases: set up the persistent sessions (clean session false,
/// subscribed, then offline); publish the messages to them, timed to the last acknowledgement;
/// reconnect the sessions and drain them, timed to the last message, counting what never came.
/// <c>--publish-only</c> stops after the second phase and <c>--drain-only</c> runs only the third,
/// so a script can look at the broker's disk, or restart it, while the messages are stored.
/// </summary>
public static class PersistRun
{
    public static async Task<int> RunAsync(PersistOptions options, CancellationToken cancel)
    {
        var sessions = $"{options.Subscribers} persistent session(s) ('{options.SubscriberId(0)}')";
        Console.Error.WriteLine(options.DrainOnly
            ? $"herald-bench persist: drain {sessions} of {options.Count:N0} messages each, from {options.Host}:{options.Port}"
            : $"herald-bench persist: {(options.PublishOnly ? "set up and publish" : "set up, publish and drain")}; {options.Count:N0} messages " +
              $"(QoS {(int)options.QoS}, {options.PayloadSize} B) from {options.Publishers} publisher(s) with {options.Outstanding} outstanding each, " +
              $"to {sessions}, on {options.Host}:{options.Port}");

        PublishFigures? publish = null;
        DrainFigures? drain = null;
        if (!options.DrainOnly)
        {
            await SetUpSessionsAsync(options, cancel);
            publish = await PublishAsync(options, cancel);
        }
        if (!options.PublishOnly)
            drain = await DrainAsync(options, cancel);

        var report = new PersistReport(
            new PersistParameters("persist", options.Host, options.Port, options.Count, options.Publishers, options.Subscribers,
                (int)options.QoS, options.PayloadSize, options.Outstanding, options.SubscriberId(0), options.Topic, options.PublishOnly, options.DrainOnly),
            publish, drain);
        PrintSummary(report, options.Json ? Console.Error : Console.Out);
        if (options.Json)
            Console.Out.WriteLine(JsonSerializer.Serialize(report, BenchJsonContext.Default.PersistReport));
        return drain is null || (drain.Lost == 0 && drain.SessionsPresent == options.Subscribers) ? 0 : 1;
    }

    /// <summary>
    /// Each session starts empty: a clean-session connection first discards whatever an earlier run
    /// left under the fixed client id [MQTT-3.1.2-6], then a persistent one subscribes and leaves.
    /// </summary>
    private static async Task SetUpSessionsAsync(PersistOptions options, CancellationToken cancel)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Subscribers), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancel },
            async (i, ct) =>
            {
                var id = options.SubscriberId(i);
                var client = await BenchClient.ConnectAsync(options.Server, id, null, ct, cleanSession: true);
                await client.DisconnectAsync();
                client = await BenchClient.ConnectAsync(options.Server, id, null, ct, cleanSession: false);
                await client.SubscribeAsync(options.Topic, options.QoS, ct);
                await client.DisconnectAsync();
            });
    }

    private static async Task<PublishFigures> PublishAsync(PersistOptions options, CancellationToken cancel)
    {
        var runId = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        var publishers = new PersistPublisher[options.Publishers];
        await Parallel.ForEachAsync(Enumerable.Range(0, publishers.Length), new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancel },
            async (i, ct) => publishers[i] = new PersistPublisher(i, await BenchClient.ConnectAsync(options.Server, $"hb{runId}p{i}", null, ct), options));

        var start = Stopwatch.GetTimestamp();
        using var stopTicking = new CancellationTokenSource();
        var ticking = TickAsync("publish", "acked", () => Sum(publishers, p => p.Acked), options.Count, start, () =>
        {
            foreach (var p in publishers)
                p.Nudge();
        }, stopTicking.Token);
        try
        {
            await Task.WhenAll(publishers.Select(p => Task.Run(() => p.RunAsync(cancel), CancellationToken.None)));
        }
        finally
        {
            stopTicking.Cancel();
            await ticking;
        }
        var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        await Task.WhenAll(publishers.Select(p => p.Client.DisconnectAsync()));

        var latency = new long[LatencyHistogram.BucketCount];
        var one = new long[LatencyHistogram.BucketCount];
        long samples = 0;
        foreach (var p in publishers)
        {
            p.AckLatency.CopyTo(one);
            for (var i = 0; i < one.Length; i++)
            {
                latency[i] += one[i];
                samples += one[i];
            }
        }
        var acked = Sum(publishers, p => p.Acked);
        return new PublishFigures(Math.Round(seconds, 3), acked, Math.Round(acked / seconds),
            new LatencyFigures(
                Micro(LatencyHistogram.Percentile(latency, 50)),
                Micro(LatencyHistogram.Percentile(latency, 90)),
                Micro(LatencyHistogram.Percentile(latency, 99)),
                Micro(LatencyHistogram.Percentile(latency, 99.9)),
                Micro(LatencyHistogram.Max(latency)),
                samples));
    }

    private static async Task<DrainFigures> DrainAsync(PersistOptions options, CancellationToken cancel)
    {
        var subscribers = new PersistSubscriber[options.Subscribers];
        for (var i = 0; i < subscribers.Length; i++)
            subscribers[i] = new PersistSubscriber(options.SubscriberId(i), options.Topic, options.Count);

        var accepted = await WaitForListenerAsync(options, cancel);
        var deadline = Stopwatch.GetTimestamp() + (long)(options.WaitSeconds * Stopwatch.Frequency);
        long connAckUnix = 0;
        await Parallel.ForEachAsync(subscribers, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancel }, async (s, ct) =>
        {
            s.Client = await ResumeAsync(options, s, deadline, ct);
            s.ConnAckAt = Stopwatch.GetTimestamp();
            var unix = UnixNanoseconds();
            lock (subscribers)
                connAckUnix = Math.Max(connAckUnix, unix);
        });
        var sessionsPresent = subscribers.Count(s => s.Client!.SessionPresent);
        foreach (var s in subscribers)
        {
            if (!s.Client!.SessionPresent)
                Console.Error.WriteLine($"the broker had no session for '{s.ClientId}': its messages are gone");
        }

        var start = subscribers.Min(s => s.ConnAckAt);
        var expected = (long)options.Count * subscribers.Length;
        using var stopTicking = new CancellationTokenSource();
        var ticking = TickAsync("drain", "received", () => Sum(subscribers, s => s.Received), expected, start, () => { }, stopTicking.Token);
        try
        {
            // Done when every session has every message, or when none has received anything for --idle seconds.
            while (Sum(subscribers, s => s.Unique) < expected && subscribers.Any(s => !s.Client!.IsClosed))
            {
                var last = Math.Max(start, subscribers.Max(s => s.LastReceivedAt));
                if (Stopwatch.GetElapsedTime(last).TotalSeconds > options.IdleSeconds)
                    break;
                await Task.Delay(10, cancel);
            }
        }
        finally
        {
            stopTicking.Cancel();
            await ticking;
        }
        var end = Math.Max(start, subscribers.Max(s => s.LastReceivedAt));
        foreach (var s in subscribers)
        {
            if (s.Client!.IsClosed)
                Console.Error.WriteLine($"session '{s.ClientId}' lost its connection during the drain: {s.Client.CloseReason ?? "closed by the broker"}");
        }
        await Task.WhenAll(subscribers.Select(s => s.Client!.DisconnectAsync()));

        var seconds = (end - start) / (double)Stopwatch.Frequency;
        var received = Sum(subscribers, s => s.Received);
        return new DrainFigures(accepted, connAckUnix, sessionsPresent, Math.Round(seconds, 3), received,
            seconds > 0 ? Math.Round(received / seconds) : 0, expected,
            Sum(subscribers, s => s.Missing()), Sum(subscribers, s => s.Duplicates), Sum(subscribers, s => s.Unknown));
    }

    /// <summary>
    /// Retries a bare TCP connect until the broker listens (for up to --wait seconds) and returns
    /// when it first accepted, in Unix nanoseconds, comparable with <c>date +%s%N</c> in a script
    /// that started the broker after --ready-file appeared.
    /// </summary>
    private static async Task<long> WaitForListenerAsync(PersistOptions options, CancellationToken cancel)
    {
        if (options.ReadyFile is not null)
            await File.WriteAllTextAsync(options.ReadyFile, "waiting", CancellationToken.None);
        var deadline = Stopwatch.GetTimestamp() + (long)(options.WaitSeconds * Stopwatch.Frequency);
        while (true)
        {
            using var probe = new Socket(options.Server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await probe.ConnectAsync(options.Server, cancel);
                // A loopback connect retried to a port in the ephemeral range can draw that very
                // port as its source and connect to itself (TCP simultaneous open): not the broker.
                if (probe.LocalEndPoint!.Equals(probe.RemoteEndPoint))
                    throw new SocketException((int)SocketError.ConnectionRefused);
                return UnixNanoseconds();
            }
            catch (SocketException) when (Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(2, cancel);
            }
        }
    }

    /// <summary>Reconnects a persistent session; a broker that accepts but is not ready yet (closes, or is slow to CONNACK) gets retried until the deadline.</summary>
    private static async Task<BenchClient> ResumeAsync(PersistOptions options, PersistSubscriber subscriber, long deadline, CancellationToken cancel)
    {
        var handshake = TimeSpan.FromSeconds(Math.Max(10, options.WaitSeconds));
        while (true)
        {
            try
            {
                return await BenchClient.ConnectAsync(options.Server, subscriber.ClientId, null, cancel,
                    cleanSession: false, handler: subscriber, handshakeTimeout: handshake);
            }
            catch (Exception e) when ((e is IOException or SocketException or TimeoutException) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(10, cancel);
            }
        }
    }

    private static long UnixNanoseconds() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    private static double Micro(long nanoseconds) => Math.Round(nanoseconds / 1000.0, 1);

    private static long Sum<T>(T[] items, Func<T, long> value)
    {
        long sum = 0;
        foreach (var item in items)
            sum += value(item);
        return sum;
    }

    /// <summary>A progress line a second; <paramref name="nudge"/> every 100 ms wakes waiting publishers to check for a stall.</summary>
    private static async Task TickAsync(string phase, string what, Func<long> done, long total, long start, Action nudge, CancellationToken stop)
    {
        var last = done();
        var lastAt = Stopwatch.GetTimestamp();
        var ticks = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                nudge();
                if (++ticks % 10 != 0)
                    continue;
                var now = done();
                var at = Stopwatch.GetTimestamp();
                var rate = (now - last) / ((at - lastAt) / (double)Stopwatch.Frequency);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{Stopwatch.GetElapsedTime(start).TotalSeconds,6:0.0}s] {phase,-7} {what} {rate,10:N0}/s  {now,12:N0} of {total:N0}"));
                (last, lastAt) = (now, at);
            }
        }
        catch (OperationCanceledException)
        {
            // The phase ended.
        }
    }

    private static void PrintSummary(PersistReport report, TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        if (report.Publish is { } p)
        {
            output.WriteLine(string.Create(c, $"publish   {p.AckedPerSecond,12:N0} msg/s acknowledged   {p.Acked:N0} in {p.Seconds:0.00} s   " +
                $"ack p50 {p.AckLatencyMicroseconds.P50:N0} µs   p99 {p.AckLatencyMicroseconds.P99:N0} µs   max {p.AckLatencyMicroseconds.Max:N0} µs"));
        }
        if (report.Drain is { } d)
        {
            output.WriteLine(string.Create(c, $"drain     {d.ReceivedPerSecond,12:N0} msg/s received       {d.Received:N0} in {d.Seconds:0.00} s   " +
                $"sessions present {d.SessionsPresent} of {report.Parameters.Subscribers}"));
            output.WriteLine(string.Create(c, $"lost      {d.Lost:N0} of {d.Expected:N0}   duplicates {d.Duplicates:N0}   unknown {d.Unknown:N0}"));
        }
    }
}

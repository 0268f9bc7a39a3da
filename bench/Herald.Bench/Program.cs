using System.Runtime.InteropServices;
using Herald.Bench;
using Herald.Bench.Client;
using Herald.Bench.Conn;
using Herald.Bench.Persist;
using Herald.Bench.PubSub;

const string Usage = """
    herald-bench — MQTT 3.1.1 load generator (works against Herald, Mosquitto or any broker)

      herald-bench pub-sub [--host 127.0.0.1] [--port 1883] [--sub-host HOST] [--sub-port PORT]
                           [--scenario one-to-one|fan-out|fan-in|pairs]
                           [--publishers N] [--subscribers N] [--pairs N]
                           [--qos 0|1|2] [--payload 64] [--duration 10] [--warmup 2] [--drain 2]
                           [--rate msgs/s] [--outstanding 1000] [--json]
          one-to-one  1 publisher, 1 subscriber
          fan-out     1 publisher, --subscribers on its topic
          fan-in      --publishers on their own topics, 1 subscriber on a wildcard
          pairs       --pairs independent publisher/subscriber pairs
          Closed loop by default: a publisher keeps at most --outstanding messages not yet
          received by all its subscribers. --rate (total over all publishers) publishes on a
          fixed schedule instead. Publishers connect to --host/--port, subscribers to
          --sub-host/--sub-port (by default the same), so a run across two nodes of a cluster
          measures the messages crossing from one to the other.

      herald-bench conn [--host 127.0.0.1] [--port 1883] [--count 1000] [--rate 1000]
                        [--source-addresses 127.0.0.2-127.0.0.20] [--hold 10]
                        [--ready-file PATH] [--json]
          Opens --count idle connections at --rate per second, each bound to the next source
          address, holds them --hold seconds (writing the number connected to --ready-file
          when all attempts are done), and reports how many connected. SIGTERM (or Ctrl+C)
          ends the hold early, and the report still follows.

      herald-bench persist [--host 127.0.0.1] [--port 1883] [--count 100000] [--publishers 1]
                           [--subscribers 1] [--qos 1|2] [--payload 64] [--outstanding 1000]
                           [--client-id herald-bench-persist] [--topic herald-bench/persist]
                           [--publish-only | --drain-only] [--wait 0] [--ready-file PATH]
                           [--idle 10] [--json]
          Persistent sessions (clean session false, the fixed --client-id) subscribe to --topic
          and go offline; the publishers send --count messages to them, each keeping at most
          --outstanding unacknowledged (the persisted publish rate); then the sessions reconnect
          and drain, acknowledging each message (the drain rate), and every sequence number is
          checked for loss and duplicates. --publish-only leaves the messages queued;
          --drain-only (with the same --count and --subscribers) drains them later, retrying
          for up to --wait seconds while nothing listens (writing --ready-file when it starts
          trying) and reporting when the broker accepted and when the CONNACKs came.

    Progress goes to stderr once a second; the summary (or with --json, a JSON document) to stdout.
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.Out.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    var arguments = new Arguments(args[1..]);
    switch (args[0])
    {
        case "pub-sub":
        {
            var options = PubSubOptions.Parse(arguments);
            arguments.EnsureAllUsed();
            return await PubSubRun.RunAsync(options, cancel.Token);
        }
        case "conn":
        {
            var options = ConnOptions.Parse(arguments);
            arguments.EnsureAllUsed();
            // A script's background job ignores SIGINT: the bench scripts end a hold with SIGTERM.
            using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                cancel.Cancel();
            });
            return await ConnRun.RunAsync(options, cancel.Token);
        }
        case "persist":
        {
            var options = PersistOptions.Parse(arguments);
            arguments.EnsureAllUsed();
            return await PersistRun.RunAsync(options, cancel.Token);
        }
        default:
            Console.Error.WriteLine($"unknown command '{args[0]}'\n\n{Usage}");
            return 2;
    }
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"herald-bench: {e.Message}");
    return 2;
}
catch (Exception e) when (e is BenchException or IOException or System.Net.Sockets.SocketException or TimeoutException)
{
    Console.Error.WriteLine($"herald-bench: {e.Message}");
    return 3;
}

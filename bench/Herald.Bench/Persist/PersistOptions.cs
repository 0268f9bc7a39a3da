using System.Net;
using Herald.Bench.PubSub;
using Herald.Protocol;

namespace Herald.Bench.Persist;

public sealed record PersistOptions
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required EndPoint Server { get; init; }

    /// <summary>Messages published, each to every subscriber's session.</summary>
    public required int Count { get; init; }

    public required int Publishers { get; init; }

    /// <summary>Offline persistent sessions the messages are queued for.</summary>
    public required int Subscribers { get; init; }

    /// <summary>Of the PUBLISH and of the subscription, so the broker stores messages at this QoS.</summary>
    public required QualityOfService QoS { get; init; }

    public required int PayloadSize { get; init; }

    /// <summary>Messages a publisher may have sent and not yet had acknowledged.</summary>
    public required int Outstanding { get; init; }

    public required string ClientId { get; init; }
    public required string Topic { get; init; }

    /// <summary>Set up the sessions and publish, then leave them offline with the messages queued.</summary>
    public required bool PublishOnly { get; init; }

    /// <summary>Only reconnect the sessions and drain: the messages were queued by an earlier <see cref="PublishOnly"/> run.</summary>
    public required bool DrainOnly { get; init; }

    /// <summary>How long the reconnect retries while nothing listens yet (a broker still starting).</summary>
    public required double WaitSeconds { get; init; }

    /// <summary>The drain gives up after this long without a new message.</summary>
    public required double IdleSeconds { get; init; }

    public string? ReadyFile { get; init; }
    public required bool Json { get; init; }

    public static PersistOptions Parse(Arguments args)
    {
        var host = args.String("host", "127.0.0.1");
        var port = args.Int("port", 1883, 1, 65535);
        var publishOnly = args.Flag("publish-only");
        var drainOnly = args.Flag("drain-only");
        if (publishOnly && drainOnly)
            throw new ArgumentException("--publish-only and --drain-only exclude each other");
        var qos = args.Int("qos", 1, 1, 2);
        return new PersistOptions
        {
            Host = host,
            Port = port,
            Server = Arguments.ResolveServer(host, port),
            Count = args.Int("count", 100_000, 0),
            Publishers = args.Int("publishers", 1, 1, 1000),
            Subscribers = args.Int("subscribers", 1, 1, 1000),
            QoS = (QualityOfService)qos,
            PayloadSize = args.Int("payload", 64, Payload.HeaderSize, 1 << 20),
            // Packet ids are 16 bits: a publisher cannot have more than 65,535 in flight.
            Outstanding = args.Int("outstanding", 1000, 1, 65_000),
            ClientId = args.String("client-id", "herald-bench-persist"),
            Topic = args.String("topic", "herald-bench/persist"),
            PublishOnly = publishOnly,
            DrainOnly = drainOnly,
            WaitSeconds = args.Double("wait", 0, 0),
            IdleSeconds = args.Double("idle", 10, 0.1),
            ReadyFile = args.String("ready-file", "") is { Length: > 0 } ready ? ready : null,
            Json = args.Flag("json"),
        };
    }

    /// <summary>The fixed client id of subscriber <paramref name="index"/>: the same in every run, so a later run finds the session.</summary>
    public string SubscriberId(int index) => Subscribers == 1 ? ClientId : $"{ClientId}-{index}";
}

using System.Net;
using Herald.Protocol;

namespace Herald.Bench.PubSub;

public sealed record PubSubOptions
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required EndPoint Server { get; init; }

    /// <summary>Where the subscribers connect: another node of a cluster, or by default the publishers' server.</summary>
    public required string SubHost { get; init; }

    public required int SubPort { get; init; }
    public required EndPoint SubServer { get; init; }
    public required Scenario Scenario { get; init; }
    public required int Publishers { get; init; }
    public required int Subscribers { get; init; }
    public required QualityOfService QoS { get; init; }
    public required int PayloadSize { get; init; }
    public required double DurationSeconds { get; init; }
    public required double WarmupSeconds { get; init; }
    public required double DrainSeconds { get; init; }

    /// <summary>Total messages per second over all publishers; null for the closed loop.</summary>
    public double? Rate { get; init; }

    /// <summary>Closed loop: messages a publisher may have not yet received by all its subscribers.</summary>
    public required int Outstanding { get; init; }

    public required bool Json { get; init; }

    public static PubSubOptions Parse(Arguments args)
    {
        var host = args.String("host", "127.0.0.1");
        var port = args.Int("port", 1883, 1, 65535);
        var subHost = args.String("sub-host", host);
        var subPort = args.Int("sub-port", port, 1, 65535);
        var scenarioName = args.String("scenario", "one-to-one");
        var scenario = scenarioName switch
        {
            "one-to-one" or "1:1" => Scenario.OneToOne,
            "fan-out" => Scenario.FanOut,
            "fan-in" => Scenario.FanIn,
            "pairs" => Scenario.Pairs,
            _ => throw new ArgumentException($"--scenario must be one-to-one, fan-out, fan-in or pairs, not '{scenarioName}'"),
        };
        var publishers = args.Int("publishers", 10, 1);
        var subscribers = args.Int("subscribers", 10, 1);
        var pairs = args.Int("pairs", 10, 1);
        (publishers, subscribers) = scenario switch
        {
            Scenario.OneToOne => (1, 1),
            Scenario.FanOut => (1, subscribers),
            Scenario.FanIn => (publishers, 1),
            _ => (pairs, pairs),
        };
        var rate = args.Double("rate", 0, 0);
        return new PubSubOptions
        {
            Host = host,
            Port = port,
            Server = Arguments.ResolveServer(host, port),
            SubHost = subHost,
            SubPort = subPort,
            SubServer = Arguments.ResolveServer(subHost, subPort),
            Scenario = scenario,
            Publishers = publishers,
            Subscribers = subscribers,
            QoS = (QualityOfService)args.Int("qos", 0, 0, 2),
            PayloadSize = args.Int("payload", 64, Payload.HeaderSize, 1 << 20),
            DurationSeconds = args.Double("duration", 10, 0.1),
            WarmupSeconds = args.Double("warmup", 2, 0),
            DrainSeconds = args.Double("drain", 2, 0),
            Rate = rate > 0 ? rate : null,
            Outstanding = args.Int("outstanding", 1000, 1, 30000),
            Json = args.Flag("json"),
        };
    }

    public string ScenarioName => Scenario switch
    {
        Scenario.OneToOne => "one-to-one",
        Scenario.FanOut => "fan-out",
        Scenario.FanIn => "fan-in",
        _ => "pairs",
    };
}

namespace Herald.Bench.PubSub;

/// <summary>What <c>pub-sub --json</c> prints: the parameters, then every figure.</summary>
public sealed record PubSubReport(PubSubParameters Parameters, PubSubFigures Results);

public sealed record PubSubParameters(
    string Command,
    string Host,
    int Port,
    string SubHost,
    int SubPort,
    string Scenario,
    int Publishers,
    int Subscribers,
    int Qos,
    int Payload,
    double DurationSeconds,
    double WarmupSeconds,
    double DrainSeconds,
    double? Rate,
    int? Outstanding);

/// <param name="Sent">PUBLISH packets the publishers sent during the measured window.</param>
/// <param name="Delivered">PUBLISH packets the subscribers received during the measured window, duplicates included.</param>
/// <param name="Expected">Over the whole run: messages sent × the subscribers that should get each.</param>
/// <param name="Lost">Of <paramref name="Expected"/>, those never received by the end of the drain.</param>
/// <param name="Duplicates">Sequence numbers a subscriber received more than once (allowed at QoS 1, counted anyway).</param>
/// <param name="Stalls">Times a closed-loop publisher stopped waiting for a message after a second.</param>
/// <param name="ConnectionsLost">Connections that closed during the run.</param>
public sealed record PubSubFigures(
    double MeasuredSeconds,
    long Sent,
    long Delivered,
    double SentPerSecond,
    double DeliveredPerSecond,
    LatencyFigures LatencyMicroseconds,
    long Expected,
    long Lost,
    long Duplicates,
    long Unknown,
    long Stalls,
    int ConnectionsLost);

/// <summary>End-to-end latency of the messages received in the measured window, in microseconds.</summary>
public sealed record LatencyFigures(double P50, double P90, double P99, double P999, double Max, long Samples);

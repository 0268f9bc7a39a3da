using Herald.Bench.PubSub;

namespace Herald.Bench.Persist;

/// <summary>What <c>persist --json</c> prints: the parameters, then each phase that ran.</summary>
public sealed record PersistReport(PersistParameters Parameters, PublishFigures? Publish, DrainFigures? Drain);

public sealed record PersistParameters(
    string Command,
    string Host,
    int Port,
    int Count,
    int Publishers,
    int Subscribers,
    int Qos,
    int Payload,
    int Outstanding,
    string ClientId,
    string Topic,
    bool PublishOnly,
    bool DrainOnly);

/// <param name="Seconds">From the first PUBLISH to the last acknowledgement.</param>
/// <param name="Acked">Messages acknowledged (PUBACK, or PUBCOMP at QoS 2): persisted, for a durable broker.</param>
/// <param name="AckLatencyMicroseconds">PUBLISH to its acknowledgement; closed loop, so mostly the time queued behind the others in flight.</param>
public sealed record PublishFigures(double Seconds, long Acked, double AckedPerSecond, LatencyFigures AckLatencyMicroseconds);

/// <param name="AcceptedUnixNanoseconds">When the broker first accepted a TCP connection (Unix time): with --wait, how long it took to listen.</param>
/// <param name="ConnAckUnixNanoseconds">When the last session's CONNACK arrived (Unix time).</param>
/// <param name="SessionsPresent">Sessions whose CONNACK said the broker still had them.</param>
/// <param name="Seconds">From the first CONNACK to the last message received.</param>
/// <param name="Expected">Messages × sessions.</param>
/// <param name="Lost">Of <paramref name="Expected"/>, those never received before the drain went idle.</param>
/// <param name="Duplicates">Sequence numbers a session received more than once (allowed at QoS 1, counted anyway).</param>
/// <param name="Unknown">Messages not from this run: another topic, or a sequence number beyond the count.</param>
public sealed record DrainFigures(
    long AcceptedUnixNanoseconds,
    long ConnAckUnixNanoseconds,
    int SessionsPresent,
    double Seconds,
    long Received,
    double ReceivedPerSecond,
    long Expected,
    long Lost,
    long Duplicates,
    long Unknown);

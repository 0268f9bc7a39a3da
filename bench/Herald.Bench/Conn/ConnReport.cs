namespace Herald.Bench.Conn;

/// <summary>What <c>conn --json</c> prints.</summary>
public sealed record ConnReport(ConnParameters Parameters, ConnFigures Results);

public sealed record ConnParameters(string Command, string Host, int Port, int Count, double Rate, string SourceAddresses, double HoldSeconds);

/// <param name="Connected">Connections that got a CONNACK accepting them.</param>
/// <param name="Errors">Failures by message.</param>
/// <param name="ClosedDuringHold">Connected clients the broker closed before the hold ended.</param>
/// <param name="ConnectSeconds">From the first attempt to the last one finishing.</param>
public sealed record ConnFigures(
    int Attempted,
    int Connected,
    int Failed,
    IReadOnlyDictionary<string, int> Errors,
    int ClosedDuringHold,
    double ConnectSeconds,
    double ConnectMillisecondsP50,
    double ConnectMillisecondsP99,
    double ConnectMillisecondsMax);

namespace Herald.Bench.Client;

/// <summary>A failure the bench reports and stops on: a refused CONNECT, a failed SUBSCRIBE.</summary>
public sealed class BenchException(string message) : Exception(message);

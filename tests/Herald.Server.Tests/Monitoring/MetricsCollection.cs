namespace Herald.Server.Tests.Monitoring;

/// <summary>
/// Tests that read <c>/metrics</c>, run alone, after every parallel test: the OpenTelemetry
/// exporter of a host listens to the meters "Herald.Broker" and "Herald.Storage" of every host in
/// the process, so another server alive meanwhile would show in its numbers
/// (<see cref="MetricsIsolationTests"/>).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "Metrics, alone in the process";
}

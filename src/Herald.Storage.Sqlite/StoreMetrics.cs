using System.Diagnostics.Metrics;

namespace Herald.Storage.Sqlite;

/// <summary>The durable store's instruments, on the meter "Herald.Storage": commit latency, batch sizes, failures, the writer's backlog.</summary>
internal sealed class StoreMetrics : IDisposable
{
    public const string MeterName = "Herald.Storage";

    private readonly Meter _meter;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _operations;
    private readonly Counter<long> _failures;

    public StoreMetrics(IMeterFactory? meterFactory, Func<int> backlog)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _commitDuration = _meter.CreateHistogram("herald.store.commit.duration", "s", "Time to write and commit one batch to herald.db",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _operations = _meter.CreateCounter<long>("herald.store.operations", "{operation}", "Changes committed to herald.db");
        _failures = _meter.CreateCounter<long>("herald.store.commit.failures", "{commit}", "Commits that failed and are retried");
        _meter.CreateObservableUpDownCounter("herald.store.backlog", backlog, "{operation}", "Changes queued for the writer thread");
    }

    public void Committed(int operations, TimeSpan elapsed)
    {
        _commitDuration.Record(elapsed.TotalSeconds);
        _operations.Add(operations);
    }

    public void Failed() => _failures.Add(1);

    public void Dispose() => _meter.Dispose();
}

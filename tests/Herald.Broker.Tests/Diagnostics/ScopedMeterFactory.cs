using System.Diagnostics.Metrics;

namespace Herald.Broker.Tests.Diagnostics;

/// <summary>
/// Makes meters scoped to itself, as the host's factory does, so a <see cref="MeterListener"/>
/// hears one broker's "Herald.Broker" and none of the other brokers tests run at the same time.
/// </summary>
internal sealed class ScopedMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        options.Scope = this;
        var meter = new Meter(options);
        lock (_meters)
            _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters)
                meter.Dispose();
        }
    }
}

using System.Diagnostics.Metrics;
using Herald.Broker.Diagnostics;

namespace Herald.Broker.Tests.Diagnostics;

/// <summary>
/// What a <see cref="MeterListener"/> read from the "Herald.Broker" meters of one
/// <see cref="ScopedMeterFactory"/> in one collection: each instrument's measurements by tag.
/// </summary>
internal sealed class MeterReading
{
    private readonly Dictionary<(string Instrument, string Tag), long> _values = [];

    private MeterReading()
    {
    }

    /// <summary>Runs every observable instrument of <paramref name="scope"/>'s "Herald.Broker" meter once.</summary>
    public static MeterReading Collect(IMeterFactory scope)
    {
        var reading = new MeterReading();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == BrokerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, scope))
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => reading.Add(instrument.Name, tags, value));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => reading.Add(instrument.Name, tags, value));
        listener.Start();
        listener.RecordObservableInstruments();
        return reading;
    }

    /// <summary>The measurement of <paramref name="instrument"/> with the one tag value given (or none); fails when it was not measured.</summary>
    public long this[string instrument, string tag = ""]
    {
        get
        {
            Assert.True(_values.TryGetValue((instrument, tag), out var value),
                $"no measurement of {instrument} [{tag}]; measured: {string.Join(", ", _values.Keys)}");
            return value;
        }
    }

    /// <summary>The tag values <paramref name="instrument"/> was measured with.</summary>
    public IEnumerable<string> Tags(string instrument) => _values.Keys.Where(k => k.Instrument == instrument).Select(k => k.Tag);

    private void Add(string instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags, long value)
    {
        Assert.True(tags.Length <= 1, $"{instrument} has {tags.Length} tags");
        var tag = tags.Length == 0 ? "" : $"{tags[0].Key}={tags[0].Value}";
        lock (_values)
        {
            Assert.False(_values.ContainsKey((instrument, tag)), $"{instrument} [{tag}] measured twice in one collection");
            _values[(instrument, tag)] = value;
        }
    }
}

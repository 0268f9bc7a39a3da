using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Herald.Broker.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Tells when one server's engine has taken on a new connection, from its "herald.connections"
/// instrument. The engine counts a connection once it is fully set up (its connect timer armed),
/// some time after the client's connect returned; a test on a fake clock waits for this before it
/// advances the clock.
/// </summary>
public sealed class ConnectionWatcher : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Channel<long> _opened = Channel.CreateUnbounded<long>();

    public ConnectionWatcher(HeraldServer server)
    {
        // Each host's meters are created by its own factory: the scope tells servers apart.
        var factory = server.App.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == BrokerMetrics.MeterName && instrument.Name == "herald.connections" && ReferenceEquals(instrument.Meter.Scope, factory))
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, change, _, _) =>
        {
            if (change > 0)
                _opened.Writer.TryWrite(change);
        });
        _listener.Start();
    }

    /// <summary>Waits until the engine has accepted one more connection than this method has seen so far.</summary>
    public async Task WaitForConnectionAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        try
        {
            await _opened.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"The engine accepted no connection within {Wait.Bound.TotalSeconds} s.", e);
        }
    }

    public void Dispose() => _listener.Dispose();
}

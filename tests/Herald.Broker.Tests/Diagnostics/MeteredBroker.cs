using Herald.Broker.Auth;
using Herald.Broker.Diagnostics;
using Herald.Broker.Retained;
using Herald.Broker.Sessions;
using Herald.Broker.Tests.Harness;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Diagnostics;

/// <summary>
/// A <see cref="Broker"/> like <see cref="TestBroker"/>'s (in-memory stores, fake clock) whose
/// <see cref="BrokerMetrics"/> come from a meter factory of its own, so its instruments can be
/// read through a <see cref="System.Diagnostics.Metrics.MeterListener"/> apart from every other broker in the process.
/// </summary>
internal sealed class MeteredBroker : IDisposable
{
    private int _connections;

    public MeteredBroker(BrokerOptions options, IAuthenticator authenticator)
    {
        Broker = new Broker(options, new InMemorySessionStore(), new InMemoryRetainedStore(), authenticator, Time, metrics: new BrokerMetrics(Meters));
    }

    public FakeTimeProvider Time { get; } = new();

    public ScopedMeterFactory Meters { get; } = new();

    public Broker Broker { get; }

    public BrokerMetrics Metrics => Broker.Metrics;

    /// <summary>A new network connection that has sent nothing yet.</summary>
    public TestClient Open() => new(Broker, $"test:{++_connections}");

    /// <summary>Every instrument of this broker's meter, read now.</summary>
    public MeterReading Collect() => MeterReading.Collect(Meters);

    public void Dispose()
    {
        Broker.Dispose();
        Meters.Dispose();
    }
}

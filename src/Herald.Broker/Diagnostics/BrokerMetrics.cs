using System.Diagnostics.Metrics;
using Herald.Broker.Sessions;

namespace Herald.Broker.Diagnostics;

/// <summary>The engine's instruments, on the meter "Herald.Broker".</summary>
public sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "Herald.Broker";

    // One tag per reason, made once: dropping happens under overload, where allocating hurts most.
    private static readonly KeyValuePair<string, object?>[] DropTags =
        [.. Enum.GetValues<DropReason>().Select(r => new KeyValuePair<string, object?>("reason", r.ToString()))];

    private readonly Meter _meter;
    private readonly Counter<long> _messagesReceived;
    private readonly Counter<long> _messagesDropped;
    private readonly UpDownCounter<long> _connections;

    public BrokerMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _messagesReceived = _meter.CreateCounter<long>("herald.messages.received", "{message}", "PUBLISH packets received from clients");
        _messagesDropped = _meter.CreateCounter<long>("herald.messages.dropped", "{message}", "Messages dropped instead of delivered, by reason");
        _connections = _meter.CreateUpDownCounter<long>("herald.connections", "{connection}", "Open client connections");
    }

    public void MessageReceived() => _messagesReceived.Add(1);

    public void MessageDropped(DropReason reason) => _messagesDropped.Add(1, DropTags[(int)reason]);

    public void ConnectionOpened() => _connections.Add(1);

    public void ConnectionClosed() => _connections.Add(-1);

    public void Dispose() => _meter.Dispose();
}

using System.Diagnostics.Metrics;
using Herald.Broker.Sessions;
using Herald.Protocol;

namespace Herald.Broker.Diagnostics;

/// <summary>
/// The engine's counts, kept in plain fields that the hot path bumps with one interlocked add,
/// and published on the meter "Herald.Broker" as observable instruments read at collection time.
/// The same fields feed the $SYS topics and the stats API, so every view agrees.
/// </summary>
public sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "Herald.Broker";

    private static readonly KeyValuePair<string, object?>[] QosTags =
        [new("qos", "0"), new("qos", "1"), new("qos", "2")];

    private static readonly DropReason[] DropReasons = Enum.GetValues<DropReason>();

    private readonly Meter _meter;
    private readonly long[] _publishReceived = new long[3];
    private readonly long[] _publishSent = new long[3];
    private readonly long[] _dropped = new long[DropReasons.Length];
    private readonly Lock _authFailuresGate = new();
    private readonly Dictionary<ReasonCode, long> _authFailures = [];
    private long _packetsReceived;
    private long _packetsSent;
    private long _bytesReceived;
    private long _bytesSent;
    private long _connectionsAccepted;
    private long _connectsReceived;
    private int _clientsConnected;
    private int _clientsMaximum;

    public BrokerMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _meter.CreateObservableCounter("herald.messages.received", () => ByQos(_publishReceived), "{message}", "PUBLISH packets received from clients and the HTTP API, by QoS");
        _meter.CreateObservableCounter("herald.messages.sent", () => ByQos(_publishSent), "{message}", "PUBLISH packets written to clients, by QoS");
        _meter.CreateObservableCounter("herald.messages.dropped", Drops, "{message}", "Messages dropped instead of delivered, by reason");
        _meter.CreateObservableCounter("herald.packets.received", () => Volatile.Read(ref _packetsReceived), "{packet}", "MQTT control packets received");
        _meter.CreateObservableCounter("herald.packets.sent", () => Volatile.Read(ref _packetsSent), "{packet}", "MQTT control packets sent");
        _meter.CreateObservableCounter("herald.bytes.received", () => Volatile.Read(ref _bytesReceived), "By", "Bytes of MQTT received");
        _meter.CreateObservableCounter("herald.bytes.sent", () => Volatile.Read(ref _bytesSent), "By", "Bytes of MQTT sent");
        _meter.CreateObservableCounter("herald.connections.accepted", () => Volatile.Read(ref _connectionsAccepted), "{connection}", "Connections accepted since start");
        _meter.CreateObservableCounter("herald.auth.failures", AuthFailureMeasurements, "{attempt}", "CONNECTs refused by authentication, a ban or the login throttle, by reason");
    }

    internal Meter Meter => _meter;

    public long PacketsReceived => Volatile.Read(ref _packetsReceived);

    public long PacketsSent => Volatile.Read(ref _packetsSent);

    public long BytesReceived => Volatile.Read(ref _bytesReceived);

    public long BytesSent => Volatile.Read(ref _bytesSent);

    public long ConnectionsAccepted => Volatile.Read(ref _connectionsAccepted);

    /// <summary>CONNECT packets received, accepted or not.</summary>
    public long ConnectsReceived => Volatile.Read(ref _connectsReceived);

    /// <summary>Clients connected now: their CONNECT accepted, their connection open.</summary>
    public int ClientsConnected => Volatile.Read(ref _clientsConnected);

    /// <summary>The most clients connected at once since start.</summary>
    public int ClientsMaximum => Volatile.Read(ref _clientsMaximum);

    public long PublishReceived(QualityOfService qos) => Volatile.Read(ref _publishReceived[(int)qos]);

    public long PublishSent(QualityOfService qos) => Volatile.Read(ref _publishSent[(int)qos]);

    public long PublishReceivedTotal => PublishReceived(QualityOfService.AtMostOnce) + PublishReceived(QualityOfService.AtLeastOnce) + PublishReceived(QualityOfService.ExactlyOnce);

    public long PublishSentTotal => PublishSent(QualityOfService.AtMostOnce) + PublishSent(QualityOfService.AtLeastOnce) + PublishSent(QualityOfService.ExactlyOnce);

    public long Dropped(DropReason reason) => Volatile.Read(ref _dropped[(int)reason]);

    public long DroppedTotal
    {
        get
        {
            long total = 0;
            foreach (var reason in DropReasons)
                total += Dropped(reason);
            return total;
        }
    }

    /// <summary>Refused logins by reason code, as of now.</summary>
    public IReadOnlyDictionary<ReasonCode, long> AuthFailures
    {
        get { lock (_authFailuresGate) return new Dictionary<ReasonCode, long>(_authFailures); }
    }

    public void PublishReceivedOne(QualityOfService qos) => Interlocked.Increment(ref _publishReceived[(int)qos]);

    public void MessageDropped(DropReason reason) => Interlocked.Increment(ref _dropped[(int)reason]);

    public void PacketsReceivedAdd(int packets, long bytes)
    {
        Interlocked.Add(ref _packetsReceived, packets);
        Interlocked.Add(ref _bytesReceived, bytes);
    }

    /// <summary>Packets a connection wrote in one batch, and how many of them were PUBLISH of each QoS.</summary>
    public void PacketsSentAdd(int packets, ReadOnlySpan<int> publishesByQos)
    {
        Interlocked.Add(ref _packetsSent, packets);
        for (var qos = 0; qos < publishesByQos.Length; qos++)
        {
            if (publishesByQos[qos] != 0)
                Interlocked.Add(ref _publishSent[qos], publishesByQos[qos]);
        }
    }

    /// <summary>Bytes a transport flushed to a client; counted by the host, which alone sees them.</summary>
    public void BytesSentAdd(long bytes) => Interlocked.Add(ref _bytesSent, bytes);

    public void ConnectionAccepted() => Interlocked.Increment(ref _connectionsAccepted);

    public void ConnectReceived() => Interlocked.Increment(ref _connectsReceived);

    public void ClientConnected()
    {
        var now = Interlocked.Increment(ref _clientsConnected);
        var maximum = Volatile.Read(ref _clientsMaximum);
        while (now > maximum)
        {
            var seen = Interlocked.CompareExchange(ref _clientsMaximum, now, maximum);
            if (seen == maximum)
                break;
            maximum = seen;
        }
    }

    public void ClientDisconnected() => Interlocked.Decrement(ref _clientsConnected);

    public void AuthFailed(ReasonCode reason)
    {
        lock (_authFailuresGate)
            _authFailures[reason] = _authFailures.GetValueOrDefault(reason) + 1;
    }

    /// <summary>The instruments that read the broker's state: connections, sessions, queues, subscriptions, retained messages.</summary>
    internal void Observe(Broker broker)
    {
        _meter.CreateObservableUpDownCounter("herald.connections", () => ClientsConnected, "{client}", "Clients connected (CONNECT accepted)");
        _meter.CreateObservableUpDownCounter("herald.sockets", () => broker.ConnectionCount, "{connection}", "Open network connections, before and after CONNECT");
        _meter.CreateObservableUpDownCounter("herald.sessions", () => broker.Sessions.Count, "{session}", "Sessions held, connected or not");
        _meter.CreateObservableUpDownCounter("herald.subscriptions", () => broker.Subscriptions.Count, "{subscription}", "Subscriptions in the subscription tree");
        _meter.CreateObservableUpDownCounter("herald.retained.messages", () => broker.Retained.Count, "{message}", "Retained messages");
        _meter.CreateObservableUpDownCounter("herald.queue.messages", () => broker.QueueDepths().Queued, "{message}", "QoS 1/2 messages queued in sessions, not yet sent");
        _meter.CreateObservableUpDownCounter("herald.inflight.messages", () => broker.QueueDepths().Inflight, "{message}", "QoS 1/2 messages sent and not yet acknowledged");
    }

    private static IEnumerable<Measurement<long>> ByQos(long[] counts)
    {
        for (var qos = 0; qos < counts.Length; qos++)
            yield return new Measurement<long>(Volatile.Read(ref counts[qos]), QosTags[qos]);
    }

    private IEnumerable<Measurement<long>> Drops()
    {
        foreach (var reason in DropReasons)
            yield return new Measurement<long>(Dropped(reason), new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    private IEnumerable<Measurement<long>> AuthFailureMeasurements()
    {
        foreach (var (reason, count) in AuthFailures)
            yield return new Measurement<long>(count, new KeyValuePair<string, object?>("reason", reason.ToString()));
    }

    public void Dispose() => _meter.Dispose();
}

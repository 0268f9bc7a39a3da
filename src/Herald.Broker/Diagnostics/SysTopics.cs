using System.Globalization;
using System.Reflection;
using System.Text;
using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Broker.Diagnostics;

/// <summary>
/// Publishes the broker's state under <c>$SYS/broker/</c> every interval, with Mosquitto's topic
/// names and formats so its dashboards and scripts read Herald unchanged. Retained, QoS 0, and
/// only when a value changed, as Mosquitto does. The load topics are Mosquitto's decaying
/// averages of a count per minute over 1, 5 and 15 minutes.
/// </summary>
public sealed class SysTopics : IDisposable
{
    public const string Prefix = "$SYS/";

    private static readonly string Version =
        typeof(SysTopics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0";

    private static readonly (string Suffix, double Minutes)[] LoadPeriods = [("1min", 1), ("5min", 5), ("15min", 15)];

    private readonly Broker _broker;
    private readonly ITimer _timer;
    private readonly Lock _gate = new(); // one publication at a time
    private readonly Dictionary<string, string> _published = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Load> _loads = new(StringComparer.Ordinal);
    private long _lastTimestamp;

    public SysTopics(Broker broker, TimeSpan interval)
    {
        _broker = broker;
        _lastTimestamp = broker.Time.GetTimestamp();
        _timer = broker.Time.CreateTimer(static s => ((SysTopics)s!).PublishChanged(), this, interval, interval);
    }

    /// <summary>The version every $SYS reader sees in <c>$SYS/broker/version</c>.</summary>
    public static string ServerVersion => $"herald version {Version}";

    /// <summary>Publishes every value that changed since the last time.</summary>
    public void PublishChanged()
    {
        lock (_gate)
        {
            foreach (var (topic, value) in Values())
            {
                if (_published.TryGetValue(topic, out var last) && last == value)
                    continue;
                _published[topic] = value;
                _broker.Publish(Message.Create(topic, Encoding.UTF8.GetBytes(value), QualityOfService.AtMostOnce, retain: true, timestamp: _broker.Time.GetTimestamp()));
            }
        }
    }

    private List<(string Topic, string Value)> Values()
    {
        var broker = _broker;
        var metrics = broker.Metrics;
        var now = broker.Time.GetTimestamp();
        var seconds = broker.Time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
        _lastTimestamp = now;
        var connected = metrics.ClientsConnected;
        var sessions = broker.Sessions.Count;
        var (queued, inflight) = broker.QueueDepths();
        var stored = Text(broker.Retained.Count + queued + inflight);

        var values = new List<(string, string)>
        {
            ("$SYS/broker/version", ServerVersion),
            ("$SYS/broker/uptime", $"{(long)(broker.Time.GetUtcNow() - broker.StartedAt).TotalSeconds} seconds"),
            ("$SYS/broker/clients/connected", Text(connected)),
            ("$SYS/broker/clients/active", Text(connected)),
            ("$SYS/broker/clients/disconnected", Text(Math.Max(0, sessions - connected))),
            ("$SYS/broker/clients/inactive", Text(Math.Max(0, sessions - connected))),
            ("$SYS/broker/clients/total", Text(sessions)),
            ("$SYS/broker/clients/maximum", Text(metrics.ClientsMaximum)),
            ("$SYS/broker/messages/received", Text(metrics.PacketsReceived)),
            ("$SYS/broker/messages/sent", Text(metrics.PacketsSent)),
            ("$SYS/broker/messages/stored", stored),
            ("$SYS/broker/store/messages/count", stored),
            ("$SYS/broker/messages/inflight", Text(inflight)),
            ("$SYS/broker/publish/messages/received", Text(metrics.PublishReceivedTotal)),
            ("$SYS/broker/publish/messages/sent", Text(metrics.PublishSentTotal)),
            ("$SYS/broker/publish/messages/dropped", Text(metrics.DroppedTotal)),
            ("$SYS/broker/bytes/received", Text(metrics.BytesReceived)),
            ("$SYS/broker/bytes/sent", Text(metrics.BytesSent)),
            ("$SYS/broker/retained messages/count", Text(broker.Retained.Count)),
            ("$SYS/broker/subscriptions/count", Text(broker.Subscriptions.Count)),
            ("$SYS/broker/heap/current", Text(GC.GetTotalMemory(forceFullCollection: false))),
        };
        AddLoad(values, "messages/received", metrics.PacketsReceived, seconds);
        AddLoad(values, "messages/sent", metrics.PacketsSent, seconds);
        AddLoad(values, "publish/received", metrics.PublishReceivedTotal, seconds);
        AddLoad(values, "publish/sent", metrics.PublishSentTotal, seconds);
        AddLoad(values, "publish/dropped", metrics.DroppedTotal, seconds);
        AddLoad(values, "bytes/received", metrics.BytesReceived, seconds);
        AddLoad(values, "bytes/sent", metrics.BytesSent, seconds);
        AddLoad(values, "connections", metrics.ConnectsReceived, seconds);
        AddLoad(values, "sockets", metrics.ConnectionsAccepted, seconds);
        return values;
    }

    /// <summary>
    /// Mosquitto's load: the count of the last interval as a per-minute rate, folded into each
    /// average with weight 1 - e^(-interval/period).
    /// </summary>
    private void AddLoad(List<(string, string)> values, string name, long total, double seconds)
    {
        if (!_loads.TryGetValue(name, out var load))
            _loads[name] = load = new Load(total);
        var perMinute = seconds > 0 ? (total - load.Total) * 60 / seconds : 0;
        load.Total = total;
        for (var i = 0; i < LoadPeriods.Length; i++)
        {
            if (seconds > 0)
            {
                var exponent = Math.Exp(-seconds / (LoadPeriods[i].Minutes * 60));
                load.Averages[i] = perMinute + exponent * (load.Averages[i] - perMinute);
            }
            values.Add(($"$SYS/broker/load/{name}/{LoadPeriods[i].Suffix}", load.Averages[i].ToString("0.00", CultureInfo.InvariantCulture)));
        }
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => _timer.Dispose();

    private sealed class Load(long total)
    {
        public long Total { get; set; } = total;

        public double[] Averages { get; } = new double[LoadPeriods.Length];
    }
}

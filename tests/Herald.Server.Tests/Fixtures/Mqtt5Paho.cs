using System.Globalization;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Debian's python3-paho-mqtt (1.6) speaking MQTT 5, driven through <c>paho5_client.py</c> beside
/// the test assembly. Runs /usr/bin/python3, the interpreter that package is installed for.
/// </summary>
public static class Mqtt5Paho
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Fixtures", "paho5_client.py");

    /// <summary>Publishes one message with every property it carries, acknowledged at QoS 1 and 2, and waits for a clean exit.</summary>
    public static async Task PublishAsync(int port, Mqtt5Message message, string? clientId = null)
    {
        List<string> args =
        [
            .. Common("pub", port, clientId ?? Unique.ClientId("p5pub")),
            "--topic", message.Topic, "--qos", message.QoS.ToString(CultureInfo.InvariantCulture),
            "--retain", message.Retain ? "1" : "0", "--payload", message.Payload,
        ];
        foreach (var (name, value) in message.UserProperties)
            args.AddRange(["--user-property", name, value]);
        if (message.ContentType is not null)
            args.AddRange(["--content-type", message.ContentType]);
        if (message.ResponseTopic is not null)
            args.AddRange(["--response-topic", message.ResponseTopic]);
        if (message.CorrelationData is not null)
            args.AddRange(["--correlation-data", message.CorrelationData]);
        if (message.MessageExpiryInterval is { } expiry)
            args.AddRange(["--message-expiry", expiry.ToString(CultureInfo.InvariantCulture)]);
        if (message.PayloadFormatIndicator is { } format)
            args.AddRange(["--payload-format", format.ToString(CultureInfo.InvariantCulture)]);
        await using var process = ClientProcess.Start("/usr/bin/python3", args);
        await process.ExpectSuccessAsync();
    }

    /// <summary>
    /// Starts a subscriber and returns once it printed CONNACK and, when it subscribes to
    /// <paramref name="topic"/>, SUBACK. It exits after <paramref name="count"/> messages (0: once subscribed).
    /// </summary>
    public static Task<Mqtt5Process> SubscribeAsync(
        int port,
        string? topic,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce,
        int count = 1,
        string? clientId = null,
        bool cleanStart = true,
        uint? sessionExpiry = null) =>
        StartAsync("sub", port, topic is null ? [] : [topic], qos, count, clientId ?? Unique.ClientId("p5sub"), cleanStart, sessionExpiry);

    /// <summary>Starts a subscriber to several filters in one SUBSCRIBE; returns once it printed SUBACK.</summary>
    public static Task<Mqtt5Process> SubscribeAsync(int port, IReadOnlyList<string> topics, MqttQualityOfServiceLevel qos, int count) =>
        StartAsync("sub", port, topics, qos, count, Unique.ClientId("p5sub"), cleanStart: true, sessionExpiry: null);

    /// <summary>
    /// Starts a responder: each request on <paramref name="requestTopic"/> is answered on its
    /// Response Topic with "reply to {payload}" and its Correlation Data; it prints
    /// <c>RESPONDED|...</c> once each answer is acknowledged and exits after <paramref name="count"/>.
    /// </summary>
    public static Task<Mqtt5Process> RespondAsync(int port, string requestTopic, int count = 1) =>
        StartAsync("respond", port, [requestTopic], MqttQualityOfServiceLevel.AtLeastOnce, count, Unique.ClientId("p5resp"), cleanStart: true, sessionExpiry: null);

    private static async Task<Mqtt5Process> StartAsync(string mode, int port, IReadOnlyList<string> topics, MqttQualityOfServiceLevel qos, int count, string clientId, bool cleanStart, uint? sessionExpiry)
    {
        List<string> args =
        [
            .. Common(mode, port, clientId),
            "--qos", ((int)qos).ToString(CultureInfo.InvariantCulture), "--count", count.ToString(CultureInfo.InvariantCulture),
            "--clean-start", cleanStart ? "1" : "0",
            "--timeout", Wait.ProcessBound.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ];
        if (sessionExpiry is { } expiry)
            args.AddRange(["--session-expiry", expiry.ToString(CultureInfo.InvariantCulture)]);
        foreach (var topic in topics)
            args.AddRange(["--topic", topic]);
        var process = ClientProcess.Start("/usr/bin/python3", args);
        try
        {
            var connAck = await process.WaitForLineAsync(l => l.StartsWith("CONNACK|", StringComparison.Ordinal));
            if (topics.Count > 0)
                await process.WaitForLineAsync(l => l.StartsWith("SUBACK|", StringComparison.Ordinal));
            var fields = connAck.Split('|');
            return new Mqtt5Process(process, int.Parse(fields[1], CultureInfo.InvariantCulture), fields[2] == "1");
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static string[] Common(string mode, int port, string clientId) =>
        ["-u", Script, mode, "--port", port.ToString(CultureInfo.InvariantCulture), "--id", clientId];
}

using System.Globalization;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Debian's mosquitto_pub and mosquitto_sub with <c>-V 5</c>: MQTT 5 properties go out through
/// <c>-D publish ...</c> and come back through <c>-F '%j'</c>, which prints them as JSON.
/// </summary>
public static class Mqtt5Mosquitto
{
    public const string V5 = "5";

    /// <summary>Publishes one message with every property it carries and waits for a clean exit.</summary>
    public static async Task PublishAsync(int port, Mqtt5Message message, string? clientId = null)
    {
        List<string> args =
        [
            .. Common(port, clientId ?? Unique.ClientId("m5pub")),
            "-t", message.Topic, "-q", message.QoS.ToString(CultureInfo.InvariantCulture),
        ];
        args.AddRange(message.Payload.Length == 0 ? ["-n"] : ["-m", message.Payload]);
        if (message.Retain)
            args.Add("-r");
        foreach (var (name, value) in message.UserProperties)
            args.AddRange(["-D", "publish", "user-property", name, value]);
        if (message.ContentType is not null)
            args.AddRange(["-D", "publish", "content-type", message.ContentType]);
        if (message.ResponseTopic is not null)
            args.AddRange(["-D", "publish", "response-topic", message.ResponseTopic]);
        if (message.CorrelationData is not null)
            args.AddRange(["-D", "publish", "correlation-data", message.CorrelationData]);
        if (message.MessageExpiryInterval is { } expiry)
            args.AddRange(["-D", "publish", "message-expiry-interval", expiry.ToString(CultureInfo.InvariantCulture)]);
        if (message.PayloadFormatIndicator is { } format)
            args.AddRange(["-D", "publish", "payload-format-indicator", format.ToString(CultureInfo.InvariantCulture)]);
        await using var process = ClientProcess.Start("/usr/bin/mosquitto_pub", args);
        await process.ExpectSuccessAsync();
    }

    /// <summary>
    /// Starts mosquitto_sub -V 5 and, unless <paramref name="awaitSubAck"/> is false (a resumed
    /// session may deliver before SUBACK), returns once the server acknowledged the subscription.
    /// It exits after <paramref name="count"/> messages.
    /// </summary>
    public static async Task<Mqtt5Process> SubscribeAsync(
        int port,
        string topic,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce,
        int count = 1,
        string? clientId = null,
        IEnumerable<string>? extraArgs = null,
        bool awaitSubAck = true)
    {
        List<string> args =
        [
            .. Common(port, clientId ?? Unique.ClientId("m5sub")),
            "-t", topic, "-q", ((int)qos).ToString(CultureInfo.InvariantCulture),
            "-d", "-F", "%j",
            "-W", ((int)Wait.ProcessBound.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            "-C", count.ToString(CultureInfo.InvariantCulture),
        ];
        if (extraArgs is not null)
            args.AddRange(extraArgs);
        // Its log lines go through stdio, fully buffered on a pipe: stdbuf makes them line buffered.
        var process = ClientProcess.Start("/usr/bin/stdbuf", ["-oL", "/usr/bin/mosquitto_sub", .. args]);
        if (!awaitSubAck)
            return new Mqtt5Process(process);
        try
        {
            // With -d the client logs "Subscribed (mid: 1): <granted qos>" once SUBACK arrives.
            await process.WaitForLineAsync(l => l.StartsWith("Subscribed (mid", StringComparison.Ordinal));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        return new Mqtt5Process(process);
    }

    private static string[] Common(int port, string clientId) =>
        ["-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-V", V5, "-i", clientId];
}

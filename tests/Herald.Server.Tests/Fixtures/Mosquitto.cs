using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>Debian's mosquitto_pub and mosquitto_sub, run against a test server.</summary>
public static class Mosquitto
{
    public const string V311 = "mqttv311";
    public const string V31 = "mqttv31";

    /// <summary>Publishes one message per payload (through <c>-l</c>, in order) and waits for a clean exit.</summary>
    public static async Task PublishAsync(
        int port,
        string topic,
        IReadOnlyList<string> payloads,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce,
        bool retain = false,
        string version = V311)
    {
        List<string> args = [.. Common(port, version, Unique.ClientId("mpub")), "-t", topic, "-q", ((int)qos).ToString()];
        if (retain)
            args.Add("-r");
        string? stdin = null;
        if (payloads is [var single])
        {
            args.AddRange(single.Length == 0 ? ["-n"] : ["-m", single]);
        }
        else
        {
            args.Add("-l");
            stdin = string.Join("\n", payloads) + "\n";
        }
        await using var process = ClientProcess.Start("/usr/bin/mosquitto_pub", args, stdin);
        await process.ExpectSuccessAsync();
    }

    public static Task PublishAsync(int port, string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce, bool retain = false, string version = V311) =>
        PublishAsync(port, topic, [payload], qos, retain, version);

    /// <summary>
    /// Starts mosquitto_sub and, unless <paramref name="awaitSubAck"/> is false, returns once the
    /// server acknowledged the subscription. It prints each message as
    /// <c>MSG|topic|qos|retain|payload</c> and exits after <paramref name="count"/> of them (0: as
    /// soon as it is subscribed, <c>-E</c>).
    /// </summary>
    public static async Task<ClientProcess> SubscribeAsync(
        int port,
        string topic,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce,
        int count = 1,
        string version = V311,
        string? clientId = null,
        bool persistent = false,
        IEnumerable<string>? extraArgs = null,
        bool awaitSubAck = true)
    {
        List<string> args =
        [
            .. Common(port, version, clientId ?? Unique.ClientId("msub")),
            "-t", topic, "-q", ((int)qos).ToString(),
            "-d", "-F", "MSG|%t|%q|%r|%p",
            "-W", ((int)Wait.ProcessBound.TotalSeconds).ToString(),
        ];
        args.AddRange(count == 0 ? ["-E"] : ["-C", count.ToString()]);
        if (persistent)
            args.Add("-c");
        if (extraArgs is not null)
            args.AddRange(extraArgs);
        // Its log lines go through stdio, fully buffered on a pipe: stdbuf makes them line buffered.
        var process = ClientProcess.Start("/usr/bin/stdbuf", ["-oL", "/usr/bin/mosquitto_sub", .. args]);
        if (!awaitSubAck)
            return process;
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
        return process;
    }

    private static string[] Common(int port, string version, string clientId) =>
        ["-h", "127.0.0.1", "-p", port.ToString(), "-V", version, "-i", clientId];
}

using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Debian's python3-paho-mqtt (1.6), driven through <c>paho_client.py</c> beside the test
/// assembly. Runs /usr/bin/python3, the interpreter that package is installed for.
/// </summary>
public static class Paho
{
    public const string V311 = "311";
    public const string V31 = "31";

    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Fixtures", "paho_client.py");

    /// <summary>Publishes the payloads in order, each acknowledged before the next, and waits for a clean exit.</summary>
    public static async Task PublishAsync(
        int port,
        string topic,
        IReadOnlyList<string> payloads,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce,
        bool retain = false,
        string version = V311)
    {
        List<string> args = [.. Common("pub", port, Unique.ClientId("ppub"), version), "--topic", topic, "--qos", ((int)qos).ToString(), "--retain", retain ? "1" : "0"];
        foreach (var payload in payloads)
            args.AddRange(["--payload", payload]);
        await using var process = ClientProcess.Start("/usr/bin/python3", args);
        await process.ExpectSuccessAsync();
    }

    public static Task PublishAsync(int port, string topic, string payload, MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce, bool retain = false, string version = V311) =>
        PublishAsync(port, topic, [payload], qos, retain, version);

    /// <summary>
    /// Starts a subscriber and returns once it printed CONNACK and, when it subscribes to
    /// <paramref name="topic"/>, SUBACK. It exits after <paramref name="count"/> messages (0: once subscribed).
    /// </summary>
    public static async Task<PahoSubscriber> SubscribeAsync(
        int port,
        string? topic,
        MqttQualityOfServiceLevel qos = MqttQualityOfServiceLevel.AtMostOnce,
        int count = 1,
        string version = V311,
        string? clientId = null,
        bool cleanSession = true)
    {
        List<string> args =
        [
            .. Common("sub", port, clientId ?? Unique.ClientId("psub"), version),
            "--qos", ((int)qos).ToString(), "--count", count.ToString(), "--clean", cleanSession ? "1" : "0",
            "--timeout", Wait.ProcessBound.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ];
        if (topic is not null)
            args.AddRange(["--topic", topic]);
        var process = ClientProcess.Start("/usr/bin/python3", args);
        try
        {
            var connAck = await process.WaitForLineAsync(l => l.StartsWith("CONNACK|", StringComparison.Ordinal));
            if (topic is not null)
                await process.WaitForLineAsync(l => l.StartsWith("SUBACK|", StringComparison.Ordinal));
            var fields = connAck.Split('|');
            return new PahoSubscriber(process, int.Parse(fields[1]), fields[2] == "1");
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    private static string[] Common(string mode, int port, string clientId, string version) =>
        ["-u", Script, mode, "--port", port.ToString(), "--id", clientId, "--protocol", version];
}

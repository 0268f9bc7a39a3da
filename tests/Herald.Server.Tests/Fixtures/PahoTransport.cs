using System.Globalization;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Debian's paho-mqtt over TLS and over WebSocket. Runs the same <c>paho_client.py</c> as
/// <see cref="Paho"/>, with paho's <c>Client</c> replaced by one that picks the transport
/// (<c>transport="websockets"</c>, <c>ws_set_options(path="/mqtt")</c>) and trusts a CA file
/// (<c>tls_set(ca_certs=...)</c>) before the script connects.
/// </summary>
public static class PahoTransport
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "Fixtures", "paho_client.py");

    /// <summary>Run as <c>python3 -c</c>: arguments are the script, the transport, the CA file (empty: plain) and the script's own.</summary>
    private const string Wrapper = """
        import runpy
        import sys

        import paho.mqtt.client as mqtt

        script, transport, ca_file = sys.argv[1:4]
        Plain = mqtt.Client


        class Client(Plain):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, transport=transport, **kwargs)
                if transport == "websockets":
                    self.ws_set_options(path="/mqtt")
                if ca_file:
                    self.tls_set(ca_certs=ca_file)


        mqtt.Client = Client
        sys.argv = [script] + sys.argv[4:]
        runpy.run_path(script, run_name="__main__")
        """;

    /// <summary>Publishes one message, acknowledged at QoS 1 and 2, and waits for a clean exit.</summary>
    public static async Task PublishAsync(int port, bool webSocket, string? caFile, string topic, string payload, MqttQualityOfServiceLevel qos)
    {
        string[] args = [.. Common("pub", port, webSocket, caFile, Unique.ClientId("ppub")), "--topic", topic, "--qos", ((int)qos).ToString(), "--payload", payload];
        await using var process = ClientProcess.Start("/usr/bin/python3", args);
        await process.ExpectSuccessAsync();
    }

    /// <summary>Starts a subscriber and returns once it printed SUBACK; it exits after <paramref name="count"/> messages.</summary>
    public static async Task<ClientProcess> SubscribeAsync(int port, bool webSocket, string? caFile, string topic, MqttQualityOfServiceLevel qos, int count = 1)
    {
        string[] args =
        [
            .. Common("sub", port, webSocket, caFile, Unique.ClientId("psub")),
            "--topic", topic, "--qos", ((int)qos).ToString(), "--count", count.ToString(),
            "--timeout", Wait.ProcessBound.TotalSeconds.ToString(CultureInfo.InvariantCulture),
        ];
        var process = ClientProcess.Start("/usr/bin/python3", args);
        try
        {
            await process.WaitForLineAsync(l => l.StartsWith("SUBACK|", StringComparison.Ordinal));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
        return process;
    }

    private static string[] Common(string mode, int port, bool webSocket, string? caFile, string clientId) =>
        ["-u", "-c", Wrapper, Script, webSocket ? "websockets" : "tcp", caFile ?? "", mode, "--port", port.ToString(), "--id", clientId];
}

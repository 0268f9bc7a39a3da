using System.Net;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>The herald executable as an operator runs it: a process of its own, stopped by SIGTERM.</summary>
public sealed class ExecutableTests : IDisposable
{
    /// <summary>herald.dll, copied beside the test assembly with its runtimeconfig and appsettings.json.</summary>
    private static readonly string HeraldDll = typeof(HeraldHost).Assembly.Location;

    /// <summary>Each test's own data directory: two herald processes may not share one database.</summary>
    private readonly string _dataDir = Directory.CreateTempSubdirectory("herald-exe-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Executable_serves_mqtt_and_http_and_exits_0_on_SIGTERM()
    {
        var mqttPort = HeraldServer.FreePort();
        var httpPort = HeraldServer.FreePort();
        await using var herald = Start(["serve", .. Arguments(mqttPort, httpPort)]);
        // Logged once Kestrel is bound; the MQTT connect below then has to succeed.
        await herald.WaitForLineAsync(l => l.Contains("Herald listening", StringComparison.Ordinal));

        var topic = Unique.Topic("exe");
        await using (var subscriber = await MqttNetClient.ConnectAsync(mqttPort, Unique.ClientId("exe")))
        {
            await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await Mosquitto.PublishAsync(mqttPort, topic, "from outside", MqttQualityOfServiceLevel.AtLeastOnce);
            Assert.Equal(new Received(topic, "from outside", 1, false), await subscriber.ReceiveAsync());
        }
        using (var http = new HttpClient { Timeout = Wait.Bound })
        using (var health = await http.GetAsync($"http://127.0.0.1:{httpPort}/healthz"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);

        await herald.TerminateAsync();

        Assert.True(await herald.WaitForExitAsync() == 0, herald.Transcript);
    }

    [Fact]
    public async Task Executable_exits_0_on_SIGTERM_with_a_client_connected()
    {
        var mqttPort = HeraldServer.FreePort();
        await using var herald = Start(Arguments(mqttPort, HeraldServer.FreePort()));
        await herald.WaitForLineAsync(l => l.Contains("Herald listening", StringComparison.Ordinal));
        await using var client = await MqttNetClient.ConnectAsync(mqttPort, Unique.ClientId("exe"));

        await herald.TerminateAsync();

        Assert.True(await herald.WaitForExitAsync() == 0, herald.Transcript);
        await client.Disconnected.WaitAsync(Wait.Bound);
    }

    [Fact]
    public async Task Executable_with_invalid_configuration_exits_2_naming_the_key()
    {
        await using var herald = Start([.. Arguments(HeraldServer.FreePort(), HeraldServer.FreePort()), "--Herald:Mqtt:Address=nonsense"]);

        Assert.Equal(2, await herald.WaitForExitAsync());
        Assert.Contains("Herald:Mqtt:Address", herald.ErrorOutput);
    }

    [Fact]
    public async Task Executable_exits_2_naming_the_address_when_the_mqtt_port_is_taken()
    {
        using var occupant = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var takenPort = ((IPEndPoint)occupant.LocalEndpoint).Port;
        await using var herald = Start(Arguments(takenPort, HeraldServer.FreePort()));

        Assert.Equal(2, await herald.WaitForExitAsync());
        Assert.Contains($"127.0.0.1:{takenPort}", herald.ErrorOutput);
        Assert.Contains("already in use", herald.ErrorOutput);
        Assert.DoesNotContain("Unhandled exception", herald.ErrorOutput);
    }

    [Fact]
    public async Task Executable_with_unknown_command_exits_2()
    {
        await using var herald = Start(["frobnicate"]);

        Assert.Equal(2, await herald.WaitForExitAsync());
        Assert.Contains("frobnicate", herald.ErrorOutput);
    }

    private string[] Arguments(int mqttPort, int httpPort) =>
    [
        $"--Herald:DataDir={_dataDir}",
        $"--Herald:Mqtt:Port={mqttPort}",
        $"--Herald:Http:Port={httpPort}",
        "--Herald:Mqtt:Address=127.0.0.1",
        "--Herald:Http:Address=127.0.0.1",
    ];

    private static ClientProcess Start(string[] arguments) =>
        ClientProcess.Start(DotnetHost(), [HeraldDll, .. arguments], workingDirectory: Path.GetDirectoryName(HeraldDll));

    /// <summary>The dotnet host running these tests, so the server runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } hostPath && File.Exists(hostPath))
            return hostPath;
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            return Environment.ProcessPath!;
        return "dotnet";
    }
}

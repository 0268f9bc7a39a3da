using System.Net;
using System.Net.Sockets;
using Herald.Server.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// A real Herald host on free loopback ports, started before a test class (as an
/// <see cref="IClassFixture{TFixture}"/>) or inside one test (<see cref="StartAsync"/>) when it
/// needs a fake clock or options of its own. Listens on 127.0.0.1 only; its TLS ports are free
/// ones too (used when TLS is on) and its data directory is a temporary one, deleted on dispose.
/// </summary>
public class HeraldServer : IAsyncLifetime, IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private readonly TimeProvider? _time;
    private readonly Action<IServiceCollection>? _configureServices;
    private WebApplication? _app;

    public HeraldServer()
        : this(null)
    {
    }

    protected HeraldServer(TimeProvider? time, params string[] extraArgs)
        : this(time, null, extraArgs)
    {
    }

    private HeraldServer(TimeProvider? time, Action<IServiceCollection>? configureServices, string[] extraArgs)
    {
        _time = time;
        _configureServices = configureServices;
        _extraArgs = extraArgs;
    }

    public WebApplication App => _app ?? throw new InvalidOperationException("The server is not started.");

    public Broker.Broker Broker => App.Services.GetRequiredService<Broker.Broker>();

    public int MqttPort { get; private set; }

    public int HttpPort { get; private set; }

    public int MqttTlsPort { get; private set; }

    public int HttpTlsPort { get; private set; }

    /// <summary>Herald:DataDir, unless the test's own arguments name another.</summary>
    public string DataDir { get; } = Directory.CreateTempSubdirectory("herald-test-").FullName;

    /// <summary>
    /// Starts a server of its own; <paramref name="time"/> replaces the system clock and
    /// <paramref name="configureServices"/> runs after Herald's own registrations.
    /// </summary>
    public static async Task<HeraldServer> StartAsync(TimeProvider? time = null, Action<IServiceCollection>? configureServices = null, params string[] extraArgs)
    {
        var server = new HeraldServer(time, configureServices, extraArgs);
        try
        {
            await server.InitializeAsync();
        }
        catch
        {
            await server.DisposeAsync(); // its data directory
            throw;
        }
        return server;
    }

    /// <summary>A port that was free a moment ago: bind to port 0 and let the kernel choose.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The command line that puts both listeners on loopback at the given ports.</summary>
    public static string[] Arguments(int mqttPort, int httpPort, params string[] extraArgs) =>
    [
        $"--Herald:Mqtt:Port={mqttPort}",
        $"--Herald:Http:Port={httpPort}",
        "--Herald:Mqtt:Address=127.0.0.1",
        "--Herald:Http:Address=127.0.0.1",
        "--Logging:LogLevel:Default=Warning",
        .. extraArgs,
    ];

    public async Task InitializeAsync()
    {
        // Another process may take a port between FreePort and the bind; try again with new ones.
        for (var attempt = 1; ; attempt++)
        {
            var ports = new HashSet<int>();
            while (ports.Count < 4)
                ports.Add(FreePort());
            var chosen = ports.ToArray();
            (MqttPort, HttpPort, MqttTlsPort, HttpTlsPort) = (chosen[0], chosen[1], chosen[2], chosen[3]);
            string[] args =
            [
                $"--Herald:Mqtt:TlsPort={MqttTlsPort}",
                $"--Herald:Http:TlsPort={HttpTlsPort}",
                $"--Herald:DataDir={DataDir}",
                .. _extraArgs,
            ];

            var app = HeraldHost.Build(Arguments(MqttPort, HttpPort, args), services =>
            {
                if (_time is not null)
                    services.AddSingleton(_time);
                _configureServices?.Invoke(services);
            });
            try
            {
                await app.StartAsync();
                _app = app;
                return;
            }
            catch (IOException) when (attempt < 3)
            {
                await app.DisposeAsync();
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
        if (Directory.Exists(DataDir))
            Directory.Delete(DataDir, recursive: true);
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync();
}

using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Durability;

/// <summary>
/// The herald executable as a process of its own, on a data directory that outlives it: started,
/// killed with SIGKILL (no shutdown code runs, as when the machine loses power or the OOM killer
/// strikes) and started again on the same directory and ports. Disposing kills it if it still
/// runs and deletes the temporary directory.
/// </summary>
public sealed class HeraldProcess : IAsyncDisposable
{
    /// <summary>herald.dll, copied beside the test assembly with its runtimeconfig and appsettings.json.</summary>
    private static readonly string HeraldDll = typeof(HeraldHost).Assembly.Location;

    private readonly string[] _extraArgs;
    private ClientProcess? _process;
    private bool _started;

    private HeraldProcess(string root, string dataDir, string[] extraArgs)
    {
        Root = root;
        DataDir = dataDir;
        _extraArgs = extraArgs;
        (MqttPort, HttpPort) = TwoFreePorts();
    }

    /// <summary>The temporary directory this fixture owns and deletes; the data directory is it or lies below it.</summary>
    public string Root { get; }

    /// <summary>Herald:DataDir, the same on every start.</summary>
    public string DataDir { get; }

    /// <summary>The SQLite database, <c>{DataDir}/herald.db</c>.</summary>
    public string DatabasePath => Path.Combine(DataDir, "herald.db");

    /// <summary>The database's write-ahead log, <c>herald.db-wal</c> beside it.</summary>
    public string WalPath => DatabasePath + "-wal";

    public int MqttPort { get; private set; }

    public int HttpPort { get; private set; }

    /// <summary>The current (or last) run's standard error.</summary>
    public string ErrorOutput => _process?.ErrorOutput ?? "";

    /// <summary>The current (or last) run's command line and output, for failure messages.</summary>
    public string Transcript => _process?.Transcript ?? "(not started)";

    public bool IsRunning { get; private set; }

    /// <summary>A fixture on a new temporary directory as its data directory, not started yet (the test may first put files there).</summary>
    public static HeraldProcess Create(params string[] extraArgs) => CreateWithDataDir(null, extraArgs);

    /// <summary>
    /// A fixture whose data directory is <paramref name="dataDirBelowRoot"/>, a relative path below
    /// a new temporary directory (<see cref="Root"/>), not started yet.
    /// </summary>
    public static HeraldProcess CreateWithDataDir(string? dataDirBelowRoot, params string[] extraArgs)
    {
        var root = Directory.CreateTempSubdirectory("herald-durability-").FullName;
        var dataDir = dataDirBelowRoot is null ? root : Path.Combine(root, dataDirBelowRoot);
        return new HeraldProcess(root, dataDir, extraArgs);
    }

    /// <summary>A fixture on a new, empty data directory, started and listening.</summary>
    public static async Task<HeraldProcess> StartAsync(params string[] extraArgs)
    {
        var herald = Create(extraArgs);
        try
        {
            await herald.StartAsync();
        }
        catch
        {
            await herald.DisposeAsync();
            throw;
        }
        return herald;
    }

    /// <summary>
    /// Starts the process and returns once it logged "Herald listening" (so both ports are bound
    /// and the store is open); fails with the transcript if it exits first. Only the first start
    /// may move to other ports, when another process took one of the chosen ones.
    /// </summary>
    public async Task StartAsync()
    {
        if (IsRunning)
            throw new InvalidOperationException("Herald is already running; kill it first.");
        for (var attempt = 1; ; attempt++)
        {
            await LaunchAsync();
            try
            {
                await _process!.WaitForLineAsync(l => l.Contains("Herald listening", StringComparison.Ordinal));
                IsRunning = true;
                _started = true;
                return;
            }
            catch (TimeoutException) when (!_started && attempt < 3 && _process!.ErrorOutput.Contains("already in use", StringComparison.Ordinal))
            {
                (MqttPort, HttpPort) = TwoFreePorts();
            }
        }
    }

    /// <summary>
    /// Starts the process, expecting it to refuse to run: returns its exit code once it exited,
    /// and fails at once, with the transcript, if it starts listening instead.
    /// </summary>
    public async Task<int> StartExpectingExitAsync()
    {
        if (IsRunning)
            throw new InvalidOperationException("Herald is already running; kill it first.");
        await LaunchAsync();
        var exited = _process!.WaitForExitAsync();
        var listening = _process.WaitForLineAsync(l => l.Contains("Herald listening", StringComparison.Ordinal));
        if (await Task.WhenAny(exited, listening) == listening && listening.IsCompletedSuccessfully)
        {
            IsRunning = true; // killed on dispose
            Assert.Fail($"Herald started although it should have refused to. {Transcript}");
        }
        return await exited;
    }

    /// <summary>SIGKILL, then waits until the process is gone: its files are closed, nothing was flushed on the way out.</summary>
    public async Task KillAsync()
    {
        if (_process is null)
            return;
        await _process.DisposeAsync();
        IsRunning = false;
    }

    /// <summary>Kills it with SIGKILL if it runs, then starts it again on the same data directory and ports.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        if (Directory.Exists(Root))
            Directory.Delete(Root, recursive: true);
    }

    private async Task LaunchAsync()
    {
        if (_process is not null)
            await _process.DisposeAsync();
        string[] arguments =
        [
            HeraldDll,
            $"--Herald:Mqtt:Port={MqttPort}",
            $"--Herald:Http:Port={HttpPort}",
            "--Herald:Mqtt:Address=127.0.0.1",
            "--Herald:Http:Address=127.0.0.1",
            $"--Herald:DataDir={DataDir}",
            .. _extraArgs,
        ];
        _process = ClientProcess.Start(DotnetHost(), arguments, workingDirectory: Path.GetDirectoryName(HeraldDll));
    }

    private static (int Mqtt, int Http) TwoFreePorts()
    {
        var mqtt = HeraldServer.FreePort();
        var http = HeraldServer.FreePort();
        while (http == mqtt)
            http = HeraldServer.FreePort();
        return (mqtt, http);
    }

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

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// A real redis-server (Debian's, installed by test.sh) on a free loopback port, without
/// persistence, for one test class; killed on dispose. A test may stop it and start it again on
/// the same port, to see how Herald rides out Redis going away and coming back.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private const int StartAttempts = 3;

    private RedisProcess? _process;

    public int Port { get; private set; } = HeraldServer.FreePort();

    /// <summary>The StackExchange.Redis configuration string for it.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        // Another process may take the port between FreePort and redis-server's bind; try another.
        for (var attempt = 1; ; attempt++)
        {
            _process = await RedisProcess.TryStartAsync(Port, []);
            if (_process is not null)
                return;
            if (attempt == StartAttempts)
                throw new InvalidOperationException($"redis-server found its port in use {StartAttempts} times, lastly {Port}.");
            Port = HeraldServer.FreePort();
        }
    }

    /// <summary>
    /// Kills redis-server (SIGKILL) and waits until it is gone: its connections drop, new ones are
    /// refused, and everything it held is lost. Does nothing if it is already stopped.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is null)
            return;
        await _process.DisposeAsync();
        _process = null;
    }

    /// <summary>
    /// Starts redis-server again, empty, on the same <see cref="Port"/>, so clients configured with
    /// <see cref="Configuration"/> find it there.
    /// </summary>
    public async Task StartAsync()
    {
        if (_process is not null)
            throw new InvalidOperationException("redis-server is already running; stop it first.");
        _process = await RedisProcess.TryStartAsync(Port, [])
            ?? throw new InvalidOperationException($"Another process took port {Port} while redis-server was stopped.");
    }

    public Task DisposeAsync() => StopAsync();
}

using System.Diagnostics;
using System.Net.Sockets;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// A real redis-server (Debian's, installed by test.sh) on a free loopback port, without
/// persistence, for one test class; killed on dispose.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; } = HeraldServer.FreePort();

    /// <summary>The StackExchange.Redis configuration string for it.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        _process = Process.Start(new ProcessStartInfo("/usr/bin/redis-server", ["--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var deadline = DateTime.UtcNow + Wait.Bound;
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", Port);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
            _process.Kill();
        _process?.Dispose();
        return Task.CompletedTask;
    }
}

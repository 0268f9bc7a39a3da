namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// One redis-server process on a loopback port, without persistence: what <see cref="RedisServer"/>
/// runs, and each node of <see cref="RedisCluster"/>. It counts as started once it logs that it
/// accepts connections, not once the port takes a TCP connection: another process holding the port
/// would take that too. Disposing kills it (SIGKILL) and waits until it is gone.
/// </summary>
internal sealed class RedisProcess : IAsyncDisposable
{
    private const string RedisServerPath = "/usr/bin/redis-server";

    private readonly ClientProcess _process;

    private RedisProcess(ClientProcess process) => _process = process;

    /// <summary>
    /// Starts redis-server on <paramref name="port"/> with <paramref name="extraArgs"/> and waits
    /// until it is ready. Returns null when the port (or, in cluster mode, its bus port) was
    /// already in use, so the caller may choose others; fails with the transcript when it exits for
    /// any other reason or is not ready within <see cref="Wait.ProcessBound"/>.
    /// </summary>
    public static async Task<RedisProcess?> TryStartAsync(int port, IEnumerable<string> extraArgs, string? workingDirectory = null)
    {
        string[] arguments = ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", .. extraArgs];
        var process = ClientProcess.Start(RedisServerPath, arguments, workingDirectory: workingDirectory);
        try
        {
            await process.WaitForLineAsync(l => l.Contains("Ready to accept connections", StringComparison.Ordinal));
            return new RedisProcess(process);
        }
        catch (TimeoutException) when (process.Transcript.Contains("Address already in use", StringComparison.Ordinal))
        {
            await process.DisposeAsync();
            return null;
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

using System.Collections.Concurrent;
using System.Diagnostics;
using System.Threading.Channels;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// An external program (mosquitto_sub, python3, herald) whose standard output is read line by
/// line. Killed on dispose if it is still running, so a failed test leaves nothing behind.
/// </summary>
public sealed class ClientProcess : ISubscriber
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly Channel<Received> _messages = Channel.CreateUnbounded<Received>();
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private ClientProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public static ClientProcess Start(string fileName, IEnumerable<string> arguments, string? standardInput = null, string? workingDirectory = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = standardInput is not null,
            UseShellExecute = false,
        };
        if (workingDirectory is not null)
            info.WorkingDirectory = workingDirectory;
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);

        var process = new Process { StartInfo = info };
        var client = new ClientProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                client._lines.Writer.TryComplete();
                client._messages.Writer.TryComplete();
                return;
            }
            client._output.Enqueue(e.Data);
            client._lines.Writer.TryWrite(e.Data);
            if (Received.TryParse(e.Data, out var message))
                client._messages.Writer.TryWrite(message);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
                client._errors.Enqueue(e.Data);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (standardInput is not null)
        {
            process.StandardInput.Write(standardInput);
            process.StandardInput.Close();
        }
        return client;
    }

    /// <summary>Standard error so far.</summary>
    public string ErrorOutput => string.Join('\n', _errors);

    /// <summary>Everything printed so far, for failure messages.</summary>
    public string Transcript => $"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}\n"
        + $"stdout:\n{string.Join('\n', _output)}\nstderr:\n{string.Join('\n', _errors)}";

    /// <summary>
    /// Reads lines until one matches and returns it; lines before it are skipped, but messages
    /// among them stay for <see cref="ReceiveAsync"/>.
    /// </summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        using var cts = new CancellationTokenSource(Wait.ProcessBound);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (match(line))
                    return line;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"No matching line. {Transcript}", e);
        }
    }

    /// <summary>The next application message it printed as <c>MSG|topic|qos|retain|payload</c>.</summary>
    public async Task<Received> ReceiveAsync()
    {
        using var cts = new CancellationTokenSource(Wait.ProcessBound);
        try
        {
            return await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or ChannelClosedException)
        {
            throw new TimeoutException($"No message. {Transcript}", e);
        }
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync()
    {
        using var cts = new CancellationTokenSource(Wait.ProcessBound);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"The process did not exit. {Transcript}", e);
        }
        return _process.ExitCode;
    }

    /// <summary>Waits for a clean exit (code 0), failing with the transcript otherwise.</summary>
    public async Task ExpectSuccessAsync()
    {
        var code = await WaitForExitAsync();
        Assert.True(code == 0, $"Exit code {code}. {Transcript}");
    }

    /// <summary>Asks it to stop, as a service manager does: SIGTERM.</summary>
    public async Task TerminateAsync()
    {
        await using var kill = Start("/usr/bin/kill", ["-TERM", Id.ToString()]);
        await kill.ExpectSuccessAsync();
    }

    /// <summary>Kills it at once (SIGKILL): its sockets close with no DISCONNECT.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
                await KillAsync();
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        _process.Dispose();
    }
}

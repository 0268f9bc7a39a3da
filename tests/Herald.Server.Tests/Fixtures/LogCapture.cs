using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Collects a test server's log lines at Information and above (whatever the console's level), so
/// a test can wait for one: <c>services.AddLogging(b => b.AddProvider(capture).AddFilter&lt;LogCapture&gt;(null, LogLevel.Information))</c>.
/// </summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly ConcurrentQueue<string> _all = new();

    /// <summary>Every line so far, for failure messages.</summary>
    public string Transcript => string.Join('\n', _all);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Waits for a line that matches and returns it; earlier lines are skipped.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        try
        {
            while (true)
            {
                var line = await _lines.Reader.ReadAsync(cts.Token);
                if (match(line))
                    return line;
            }
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"No matching log line within {Wait.Bound.TotalSeconds} s. Log:\n{Transcript}", e);
        }
    }

    public void Dispose() => _lines.Writer.TryComplete();

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel}|{category}|{eventId.Id}|{formatter(state, exception)}";
            if (exception is not null)
                line += $" | {exception.GetType().Name}: {exception.Message}";
            capture._all.Enqueue(line);
            capture._lines.Writer.TryWrite(line);
        }
    }
}

using Microsoft.Extensions.Logging;

namespace Herald.Broker.Tests.Durability;

/// <summary>
/// The logger handed to <see cref="Herald.Storage.Sqlite.SqliteStore.StartWriting"/>: keeps what the
/// store reports at Error and above (a failed commit, a callback that threw), which would otherwise
/// show in a test only as a packet that never came.
/// </summary>
internal sealed class StoreLog : ILogger
{
    private readonly Lock _gate = new(); // the writer thread logs, the test thread reads
    private readonly List<string> _errors = [];

    public string[] Errors
    {
        get { lock (_gate) return [.. _errors]; }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
            return;
        lock (_gate)
            _errors.Add($"{logLevel} {eventId.Id}: {formatter(state, exception)} {exception}");
    }
}

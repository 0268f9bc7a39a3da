using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.DurableStores;

/// <summary>
/// The logger a store under test writes through: keeps what it reports at Error and above (a
/// failed commit, a callback that threw), and anything the harness itself reports, which would
/// otherwise show in a test only as a callback that never ran.
/// </summary>
internal sealed class StoreErrors : ILogger
{
    private readonly Lock _gate = new(); // the store's writer logs, the test thread reads
    private readonly List<string> _errors = [];

    public string[] Logged
    {
        get { lock (_gate) return [.. _errors]; }
    }

    public void Report(string error)
    {
        lock (_gate)
            _errors.Add(error);
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
            Report($"{logLevel} {eventId.Id}: {formatter(state, exception)} {exception}");
    }
}

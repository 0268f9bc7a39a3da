using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Monitoring;

/// <summary>
/// <c>mosquitto_sub -t '$SYS/broker/#'</c> (the Mosquitto fixture's <c>-F</c> format, which <c>-v</c>
/// prints less parseably) against a test server, remembering the last value of each topic.
/// </summary>
public sealed class SysWatcher : IAsyncDisposable
{
    private readonly ClientProcess _process;
    private readonly Dictionary<string, string> _latest = new(StringComparer.Ordinal);

    private SysWatcher(ClientProcess process) => _process = process;

    /// <summary>Returns once the server acknowledged the subscription; it runs for <see cref="Wait.ProcessBound"/> at most.</summary>
    public static async Task<SysWatcher> StartAsync(int port, string filter = "$SYS/broker/#") =>
        new(await Mosquitto.SubscribeAsync(port, filter, count: 1_000_000));

    /// <summary>The last value seen of <paramref name="topic"/>, or null.</summary>
    public string? Latest(string topic) => _latest.GetValueOrDefault(topic);

    /// <summary>Reads messages until <paramref name="topic"/> has a value <paramref name="match"/> accepts, and returns it.</summary>
    public async Task<string> WaitForAsync(string topic, Func<string, bool> match)
    {
        if (_latest.TryGetValue(topic, out var seen) && match(seen))
            return seen;
        while (true)
        {
            var message = await _process.ReceiveAsync();
            _latest[message.Topic] = message.Payload;
            if (message.Topic == topic && match(message.Payload))
                return message.Payload;
        }
    }

    public Task<string> WaitForAsync(string topic) => WaitForAsync(topic, _ => true);

    public Task<string> WaitForAsync(string topic, string value) => WaitForAsync(topic, v => v == value);

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Tells when one server's engine has taken on a new connection, from its count of accepted
/// connections. The engine counts a connection once it is fully set up (its connect timer armed),
/// some time after the client's connect returned; a test on a fake clock waits for this before it
/// advances the clock.
/// </summary>
public sealed class ConnectionWatcher(HeraldServer server)
{
    private long _seen = server.Broker.Metrics.ConnectionsAccepted;

    /// <summary>Waits until the engine has accepted one more connection than this method has seen so far.</summary>
    public async Task WaitForConnectionAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        try
        {
            while (server.Broker.Metrics.ConnectionsAccepted <= _seen)
                await Task.Delay(10, cts.Token);
            _seen++;
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"The engine accepted no connection within {Wait.Bound.TotalSeconds} s.", e);
        }
    }
}

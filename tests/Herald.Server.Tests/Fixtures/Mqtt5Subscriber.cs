namespace Herald.Server.Tests.Fixtures;

/// <summary>An MQTT 5 client of any library that hands over the messages it received, in order, with their properties.</summary>
public abstract class Mqtt5Subscriber : IAsyncDisposable
{
    /// <summary>The next message received, waiting at most <see cref="Wait.Bound"/> (a process: <see cref="Wait.ProcessBound"/>).</summary>
    public abstract Task<Mqtt5Message> ReceiveAsync();

    public abstract ValueTask DisposeAsync();
}

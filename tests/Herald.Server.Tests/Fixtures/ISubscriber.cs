namespace Herald.Server.Tests.Fixtures;

/// <summary>A subscribed client of any library: hands over the messages it received, in order.</summary>
public interface ISubscriber : IAsyncDisposable
{
    Task<Received> ReceiveAsync();
}

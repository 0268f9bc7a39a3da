using Herald.Broker.Tests.Harness;

namespace Herald.Broker.Tests;

/// <summary>The address per-address limits, bans and login throttling key on, cut from the endpoint the transport reports.</summary>
public sealed class RemoteAddressTests : IDisposable
{
    private readonly TestBroker _broker = new();

    public void Dispose() => _broker.Dispose();

    [Theory]
    [InlineData("127.0.0.1:5678", "127.0.0.1")]
    [InlineData("[::1]:5678", "::1")]
    [InlineData("[fe80::1%2]:1883", "fe80::1%2")]
    [InlineData("::1", "::1")]
    [InlineData("unix-socket", "unix-socket")]
    public void Remote_address_is_the_endpoint_without_its_port(string endPoint, string address)
    {
        var connection = _broker.Broker.Accept(endPoint);

        Assert.Equal(address, connection.RemoteAddress);
        connection.Close(Connections.DisconnectReason.ConnectionLost);
    }
}

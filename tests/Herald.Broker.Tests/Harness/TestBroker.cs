using Herald.Broker.Auth;
using Herald.Broker.Retained;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Harness;

/// <summary>A <see cref="Broker"/> with in-memory stores and a fake clock, and shortcuts to connect clients to it.</summary>
internal sealed class TestBroker : IDisposable
{
    private int _connections;

    public TestBroker(BrokerOptions? options = null, IAuthenticator? authenticator = null)
    {
        Options = options ?? new BrokerOptions();
        Retained = new InMemoryRetainedStore();
        Broker = new Broker(Options, new InMemorySessionStore(), Retained, authenticator ?? new AnonymousAuthenticator(), Time);
    }

    public FakeTimeProvider Time { get; } = new();

    public BrokerOptions Options { get; }

    public InMemoryRetainedStore Retained { get; }

    public Broker Broker { get; }

    /// <summary>A new network connection that has sent nothing yet.</summary>
    public TestClient Open() => new(Broker, $"test:{++_connections}");

    /// <summary>A client connected and accepted.</summary>
    public async Task<TestClient> ConnectAsync(string clientId, bool cleanSession = true, ushort keepAliveSeconds = 0, ConnectWill? will = null)
    {
        var client = Open();
        var connAck = await client.ConnectAsync(clientId, cleanSession, keepAliveSeconds, will);
        Assert.Equal(ConnectReturnCode.Accepted, connAck.ReturnCode);
        return client;
    }

    /// <summary>A client connected and subscribed to one filter, granted the QoS it asked for.</summary>
    public async Task<TestClient> ConnectSubscriberAsync(
        string clientId,
        string filter,
        QualityOfService qos = QualityOfService.ExactlyOnce,
        bool cleanSession = true)
    {
        var client = await ConnectAsync(clientId, cleanSession);
        var subAck = await client.SubscribeAsync(filter, qos);
        Assert.Equal([(byte)qos], subAck.ReturnCodes);
        return client;
    }

    /// <summary>An MQTT 5 client connected and accepted with reason code 0x00.</summary>
    public async Task<TestClient> Connect5Async(
        string clientId,
        Properties? properties = null,
        bool cleanStart = true,
        ushort keepAliveSeconds = 0,
        ConnectWill? will = null)
    {
        var client = Open();
        var connAck = await client.Connect5Async(clientId, properties, cleanStart, keepAliveSeconds, will);
        Assert.Equal(ReasonCode.Success, connAck.Reason);
        return client;
    }

    /// <summary>An MQTT 5 client connected and subscribed to one filter, granted the QoS it asked for.</summary>
    public async Task<TestClient> ConnectSubscriber5Async(
        string clientId,
        string filter,
        QualityOfService qos = QualityOfService.ExactlyOnce,
        Properties? properties = null)
    {
        var client = await Connect5Async(clientId, properties);
        var subAck = await client.SubscribeAsync(filter, qos);
        Assert.Equal([(byte)qos], subAck.ReturnCodes);
        return client;
    }

    public Session SessionOf(string clientId)
    {
        Assert.True(Broker.Sessions.TryGet(clientId, out var session), $"the broker holds no session for '{clientId}'");
        return session;
    }

    public bool HasSession(string clientId) => Broker.Sessions.TryGet(clientId, out _);

    public void Advance(TimeSpan by) => Time.Advance(by);

    public void Dispose() => Broker.Dispose();
}

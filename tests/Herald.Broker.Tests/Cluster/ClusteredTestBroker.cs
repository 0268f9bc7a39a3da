using Herald.Broker.Auth;
using Herald.Broker.Retained;
using Herald.Broker.Sessions;
using Herald.Broker.Tests.Durability;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Storage.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Cluster;

/// <summary>
/// A <see cref="Broker"/> as one node of a cluster whose other nodes are a <see cref="FakeClusterBus"/>:
/// in-memory sessions and retained messages on a fake clock and, when asked for, a real
/// <see cref="SqliteStore"/> as its durable store, to see what stays recorded.
/// </summary>
internal sealed class ClusteredTestBroker : IDisposable
{
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(10);

    private readonly string? _directory;
    private SqliteStore? _store;
    private int _connections;

    public ClusteredTestBroker(bool durable = false, BrokerOptions? options = null)
    {
        if (durable)
        {
            _directory = Directory.CreateTempSubdirectory("herald-cluster-").FullName;
            _store = SqliteStore.Open(DatabasePath, SqliteSynchronous.Full, Time);
            _store.Load(); // an empty file: read before writing, as the host does
            _store.StartWriting(new StoreLog());
        }
        Broker = new Broker(options ?? new BrokerOptions(), new InMemorySessionStore(), Retained, new AnonymousAuthenticator(), Time, store: _store, cluster: Bus);
    }

    public FakeTimeProvider Time { get; } = new();

    public FakeClusterBus Bus { get; } = new();

    public InMemoryRetainedStore Retained { get; } = new();

    public Broker Broker { get; }

    private string DatabasePath => Path.Combine(_directory!, "herald.db");

    public TestClient Open() => new(Broker, $"test:{++_connections}");

    public async Task<TestClient> ConnectAsync(string clientId, bool cleanSession = true, ConnectWill? will = null)
    {
        var client = Open();
        var connAck = await client.ConnectAsync(clientId, cleanSession, will: will);
        Assert.Equal(ConnectReturnCode.Accepted, connAck.ReturnCode);
        return client;
    }

    public async Task<TestClient> Connect5Async(string clientId, uint sessionExpiry = 0, bool cleanStart = true, ConnectWill? will = null)
    {
        var client = Open();
        var properties = sessionExpiry > 0 ? new Properties { SessionExpiryInterval = sessionExpiry } : null;
        var connAck = await client.Connect5Async(clientId, properties, cleanStart, will: will);
        Assert.Equal(ReasonCode.Success, connAck.Reason);
        return client;
    }

    /// <summary>SUBSCRIBE to one filter and its SUBACK, granted the QoS asked for (after the store's commit, when there is a store).</summary>
    public async Task SubscribeAsync(TestClient client, string filter, QualityOfService qos = QualityOfService.AtLeastOnce)
    {
        await client.SendAsync(Encode.Subscribe(1000, [new TopicSubscription(filter, qos)], client.Version));
        await DurableAsync();
        Assert.Equal(new SubAck(1000, (byte)qos), client.Take<SubAck>());
    }

    public bool HasSession(string clientId) => Broker.Sessions.TryGet(clientId, out _);

    public Session SessionOf(string clientId)
    {
        Assert.True(Broker.Sessions.TryGet(clientId, out var session), $"the broker holds no session for '{clientId}'");
        return session;
    }

    /// <summary>Completes once the store committed everything recorded so far; at once without a store.</summary>
    public Task DurableAsync()
    {
        if (_store is null)
            return Task.CompletedTask;
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _store.WhenDurable(static state => ((TaskCompletionSource)state!).SetResult(), durable);
        return durable.Task.WaitAsync(WriterTimeout);
    }

    /// <summary>Closes the store, as a node that stops, and reads what its file holds.</summary>
    public Persistence.StoredState StopAndLoad()
    {
        _store!.Dispose();
        _store = null;
        using var reopened = SqliteStore.Open(DatabasePath, SqliteSynchronous.Full, Time);
        return reopened.Load();
    }

    public void Dispose()
    {
        _store?.Dispose();
        Broker.Dispose();
        if (_directory is not null)
            Directory.Delete(_directory, recursive: true);
    }
}

using Herald.Broker.Auth;
using Herald.Broker.Retained;
using Herald.Broker.Sessions;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Durability;

/// <summary>
/// A <see cref="Broker"/> over a <see cref="SqliteStore"/> in a temporary directory, on a fake
/// clock, that is stopped as if its process were killed and started again on the same file.
///
/// <see cref="Kill"/> disposes the store, which writes what is queued and closes the file: the
/// state a crash leaves right after a commit. Nothing else of the old broker survives: its
/// connections, sessions and timers are dropped with it, and the new broker gets a new clock that
/// starts where the old one stopped (plus any downtime), so the old timers never fire.
///
/// Acknowledgements of anything recorded, and QoS 2 PUBLISH packets, leave from the store's writer
/// thread once it committed: await <see cref="DurableAsync"/> before reading what a client received.
/// </summary>
internal sealed class DurableTestBroker : IDisposable
{
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(10);

    private readonly string _directory;
    private readonly BrokerOptions _options;
    private SqliteStore? _store;
    private Broker? _broker;
    private StoreLog _log = new();
    private ManualResetEventSlim? _pause;
    private int _connections;
    private ushort _lastPacketId = 1000; // SUBSCRIBE and UNSUBSCRIBE, apart from the ids TestClient gives PUBLISH

    public DurableTestBroker(BrokerOptions? options = null)
    {
        _options = options ?? new BrokerOptions();
        _directory = Directory.CreateTempSubdirectory("herald-durable-").FullName;
        DatabasePath = Path.Combine(_directory, "herald.db");
        Start();
    }

    public string DatabasePath { get; }

    /// <summary>The running broker's clock; a restart replaces it.</summary>
    public FakeTimeProvider Time { get; private set; } = new();

    public Broker Broker => _broker ?? throw new InvalidOperationException("the broker is stopped: Start it first");

    private SqliteStore Store => _store ?? throw new InvalidOperationException("the broker is stopped: Start it first");

    /// <summary>Stops as if killed right after the store's last commit (see the class summary).</summary>
    public void Kill()
    {
        Stop();
        Assert.True(_log.Errors.Length == 0, $"the store logged errors: {string.Join(Environment.NewLine, _log.Errors)}");
    }

    /// <summary>Opens the file again, restores what it holds and serves clients, <paramref name="downtime"/> after the kill.</summary>
    public void Start(TimeSpan downtime = default)
    {
        Assert.Null(_broker);
        Time = new FakeTimeProvider(Time.GetUtcNow() + downtime);
        _log = new StoreLog();
        var store = SqliteStore.Open(DatabasePath, SqliteSynchronous.Full, Time);
        var state = store.Load();
        var broker = new Broker(_options, new InMemorySessionStore(), new InMemoryRetainedStore(), new AnonymousAuthenticator(), Time, store: store);
        broker.Restore(state);
        store.StartWriting(_log);
        (_store, _broker) = (store, broker);
    }

    /// <summary>
    /// A kill -9 now, while the writer is paused (<see cref="PauseWriter"/>): copies the file as
    /// committed so far, lets the writer go on and stop, puts the copy back and starts on it, so
    /// only what was committed before the pause survives.
    /// </summary>
    public void CrashKeepingCommitted(IDisposable pausedWriter)
    {
        var snapshot = Directory.CreateDirectory(Path.Combine(_directory, "crash")).FullName;
        string[] files = [DatabasePath, DatabasePath + "-wal"];
        foreach (var file in files.Where(File.Exists))
            File.Copy(file, Path.Combine(snapshot, Path.GetFileName(file)), overwrite: true);
        pausedWriter.Dispose();
        Stop();
        foreach (var file in files)
        {
            File.Delete(file);
            var copy = Path.Combine(snapshot, Path.GetFileName(file));
            if (File.Exists(copy))
                File.Move(copy, file);
        }
        Start();
    }

    /// <summary><see cref="Kill"/>, then <see cref="Start"/> on the same file.</summary>
    public void Restart(TimeSpan downtime = default)
    {
        Kill();
        Start(downtime);
    }

    /// <summary>Completes once everything recorded so far is committed and the callbacks queued before it ran.</summary>
    public Task DurableAsync()
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Store.WhenDurable(static state => ((TaskCompletionSource)state!).SetResult(), durable);
        return durable.Task.WaitAsync(WriterTimeout);
    }

    /// <summary>
    /// Holds the store's writer thread inside a callback until disposed: what is recorded meanwhile
    /// stays uncommitted, and the packets waiting for it unsent.
    /// </summary>
    public IDisposable PauseWriter()
    {
        var entered = new ManualResetEventSlim();
        var release = new ManualResetEventSlim();
        _pause = release;
        Store.WhenDurable(static state =>
        {
            var (entered, release) = ((ManualResetEventSlim, ManualResetEventSlim))state!;
            entered.Set();
            release.Wait();
        }, (entered, release));
        Assert.True(entered.Wait(WriterTimeout), "the store's writer did not reach the pause");
        return new WriterPause(release);
    }

    /// <summary>
    /// Counts rows of the database file. Only while stopped: the store holds the file exclusively.
    /// </summary>
    public long Rows(string table, string? where = null)
    {
        Assert.Null(_broker);
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}" + (where is null ? "" : $" WHERE {where}");
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A new network connection that has sent nothing yet.</summary>
    public TestClient Open() => new(Broker, $"test:{++_connections}");

    /// <summary>An MQTT 3.1.1 client connected and accepted.</summary>
    public async Task<TestClient> ConnectAsync(string clientId, bool cleanSession = true, ConnectWill? will = null)
    {
        var client = Open();
        var connAck = await client.ConnectAsync(clientId, cleanSession, will: will);
        Assert.Equal(ConnectReturnCode.Accepted, connAck.ReturnCode);
        return client;
    }

    /// <summary>An MQTT 5 client connected and accepted, its session lasting <paramref name="sessionExpiry"/> seconds.</summary>
    public async Task<TestClient> Connect5Async(string clientId, uint sessionExpiry = 0, bool cleanStart = true, ConnectWill? will = null)
    {
        var client = Open();
        var properties = sessionExpiry > 0 ? new Properties { SessionExpiryInterval = sessionExpiry } : null;
        var connAck = await client.Connect5Async(clientId, properties, cleanStart, will: will);
        Assert.Equal(ReasonCode.Success, connAck.Reason);
        return client;
    }

    /// <summary>
    /// SUBSCRIBE, with a Subscription Identifier when one is given, and its SUBACK: held until
    /// the store committed a persistent session's subscriptions, so this waits for the store.
    /// </summary>
    public async Task<SubAck> SubscribeAsync(TestClient client, int? subscriptionId, params TopicSubscription[] subscriptions)
    {
        var properties = subscriptionId is { } id ? new Properties { SubscriptionIdentifiers = [id] } : null;
        await client.SendAsync(Encode.Subscribe(NextPacketId(), subscriptions, client.Version, properties));
        await DurableAsync();
        return client.Take<SubAck>();
    }

    /// <summary>Subscribes to one filter and checks it was granted the QoS asked for.</summary>
    public async Task SubscribeAsync(TestClient client, string filter, QualityOfService qos)
    {
        var subAck = await SubscribeAsync(client, null, new TopicSubscription(filter, qos));
        Assert.Equal([(byte)qos], subAck.ReturnCodes);
    }

    public async Task<UnsubAckPacket> UnsubscribeAsync(TestClient client, params string[] filters)
    {
        await client.SendAsync(Encode.Unsubscribe(NextPacketId(), filters, client.Version));
        await DurableAsync();
        return client.Take<UnsubAckPacket>();
    }

    public bool HasSession(string clientId) => Broker.Sessions.TryGet(clientId, out _);

    public Session SessionOf(string clientId)
    {
        Assert.True(Broker.Sessions.TryGet(clientId, out var session), $"the broker holds no session for '{clientId}'");
        return session;
    }

    public void Advance(TimeSpan by) => Time.Advance(by);

    public void Dispose()
    {
        Stop();
        Directory.Delete(_directory, recursive: true);
    }

    private void Stop()
    {
        _pause?.Set(); // a paused writer would never finish writing the queue
        _pause = null;
        _store?.Dispose();
        _broker?.Dispose();
        (_store, _broker) = (null, null);
    }

    private ushort NextPacketId() => ++_lastPacketId;

    private sealed class WriterPause(ManualResetEventSlim release) : IDisposable
    {
        public void Dispose() => release.Set();
    }
}

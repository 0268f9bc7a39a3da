using System.Diagnostics.Metrics;
using System.Collections.Concurrent;
using System.Diagnostics;
using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol.Packets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The embedded durable store: one SQLite file in WAL mode, written by one thread. Recording a
/// change appends it to a queue; the writer takes whatever has queued up, applies it in one
/// transaction and then runs the <see cref="WhenDurable"/> callbacks that were queued with it.
/// While one transaction commits the next batch gathers, so under load many messages share a
/// commit (group commit) and at rest a change waits for one commit only.
/// A failed commit is retried, its acknowledgements still held: publishers stall rather than
/// being told a message is safe when it is not.
/// </summary>
public sealed partial class SqliteStore : IDurableStore, IDisposable
{
    private const int MaxBatch = 20_000;
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>How long a shutdown waits for an atomic group still being recorded before it commits without it.</summary>
    private static readonly TimeSpan OpenGroupGrace = TimeSpan.FromSeconds(2);

    [ThreadStatic]
    private static int t_atomicDepth;
    [ThreadStatic]
    private static bool t_groupBegun; // the outermost group on this thread has queued its begin marker

    private readonly SqliteConnection _connection;
    private readonly ConcurrentQueue<StoreOperation> _queue = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private readonly TimeProvider _time;
    private readonly Thread _writer;
    private ILogger _logger = NullLogger.Instance;
    private StoreMetrics? _metrics;
    private volatile bool _failing;
    private OperationWriter? _operations;
    private volatile bool _stopping;

    private SqliteStore(string path, SqliteConnection connection, TimeProvider time)
    {
        Path = path;
        _connection = connection;
        _time = time;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Herald SQLite writer" };
    }

    public string Path { get; }

    /// <summary>The meter of the store's instruments (commit latency, backlog, failures).</summary>
    public const string MeterName = StoreMetrics.MeterName;

    /// <summary>Opens (or creates) the database, checking it is Herald's and migrating it.</summary>
    /// <exception cref="StoreException">The file cannot be used; the message names it and why.</exception>
    public static SqliteStore Open(string path, SqliteSynchronous synchronous, TimeProvider time)
    {
        var full = Schema.PrepareFile(path);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            // Seconds to wait for a lock. Herald holds the file exclusively, so only a second
            // Herald on the same directory ever waits: it should be told soon, not in 30 s.
            DefaultTimeout = 2,
        }.ToString());
        try
        {
            connection.Open();
            StoreSchema.Definition.CheckOwner(connection, full); // before anything below writes to the file
            // Exclusive: a second Herald on the same data directory is refused instead of sharing it.
            Schema.Execute(connection, "PRAGMA locking_mode = EXCLUSIVE");
            Schema.Execute(connection, "PRAGMA journal_mode = WAL");
            Schema.Execute(connection, $"PRAGMA synchronous = {(synchronous == SqliteSynchronous.Full ? "FULL" : "NORMAL")}");
            StoreSchema.Definition.Migrate(connection);
            return new SqliteStore(full, connection, time);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StoreException($"cannot use the database {full}: {Describe(e)}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Reads the stored state. Call once, before <see cref="StartWriting"/>.</summary>
    /// <exception cref="StoreException">The file is corrupt.</exception>
    public StoredState Load()
    {
        try
        {
            var reader = new StateReader(_connection, _time);
            var state = reader.Read();
            _operations = new OperationWriter(_connection, _time, reader.DeliveriesPerMessage);
            _operations.DeleteUnreferencedMessages();
            return state;
        }
        catch (SqliteException e)
        {
            throw new StoreException($"cannot read the database {Path}: {Describe(e)}", e);
        }
    }

    /// <summary>False while commits fail (a full disk, a lock): changes wait in memory and acknowledgements are held back.</summary>
    public bool IsWriting => !_failing;

    /// <summary>Starts the writer thread; what was recorded since <see cref="Load"/> waited in the queue.</summary>
    /// <param name="meterFactory">Makes the meter of the store's instruments, so they are told apart from another host's in the same process.</param>
    public SqliteStore StartWriting(ILogger logger, IMeterFactory? meterFactory = null)
    {
        _logger = logger;
        _metrics = new StoreMetrics(meterFactory, () => _queue.Count);
        _writer.Start();
        return this;
    }

    public void SaveSession(string clientId, uint expiryInterval, string? username) => Enqueue(StoreOperation.SaveSession(clientId, expiryInterval, username));

    public void SaveDisconnected(string clientId, DateTimeOffset? at) => Enqueue(StoreOperation.SaveDisconnected(clientId, at));

    public void DeleteSession(string clientId) => Enqueue(StoreOperation.DeleteSession(clientId));

    public void SaveSubscription(string clientId, Subscription subscription) => Enqueue(StoreOperation.SaveSubscription(clientId, subscription));

    public void DeleteSubscription(string clientId, string filter) => Enqueue(StoreOperation.DeleteSubscription(clientId, filter));

    public void AddDelivery(string clientId, in QueuedMessage delivery, ushort packetId, InflightState state) =>
        Enqueue(StoreOperation.AddDelivery(clientId, delivery, packetId, state));

    public void SaveDeliveryState(string clientId, long sequence, ushort packetId, InflightState state) =>
        Enqueue(StoreOperation.SaveDeliveryState(clientId, sequence, packetId, state));

    public void RemoveDelivery(string clientId, long sequence, Message message) => Enqueue(StoreOperation.RemoveDelivery(clientId, sequence, message));

    public void AddIncomingQos2(string clientId, ushort packetId) => Enqueue(StoreOperation.AddIncomingQos2(clientId, packetId));

    public void RemoveIncomingQos2(string clientId, ushort packetId) => Enqueue(StoreOperation.RemoveIncomingQos2(clientId, packetId));

    public void SetRetained(Message message) => Enqueue(StoreOperation.SetRetained(message));

    public void RemoveRetained(Message message) => Enqueue(StoreOperation.RemoveRetained(message));

    public void SaveWill(string clientId, ConnectWill? will, DateTimeOffset dueAt) => Enqueue(StoreOperation.SaveWill(clientId, will, dueAt));

    public void WhenDurable(Action<object?> callback, object? state) => Enqueue(StoreOperation.WhenDurable(callback, state));

    // A group costs nothing until it records something: its begin marker is queued with its first change.
    public void BeginAtomic() => t_atomicDepth++;

    public void EndAtomic()
    {
        if (--t_atomicDepth > 0 || !t_groupBegun)
            return;
        t_groupBegun = false;
        Signal(StoreOperation.Group(begin: false, Environment.CurrentManagedThreadId));
    }

    /// <summary>Writes what is queued, stops the writer and closes the file.</summary>
    public void Dispose()
    {
        _stopping = true;
        _signal.Set();
        if (_writer.IsAlive)
            _writer.Join();
        _operations?.Dispose();
        _connection.Dispose();
        _signal.Dispose();
        _metrics?.Dispose();
    }

    private void Enqueue(in StoreOperation operation)
    {
        if (t_atomicDepth > 0 && !t_groupBegun)
        {
            t_groupBegun = true;
            _queue.Enqueue(StoreOperation.Group(begin: true, Environment.CurrentManagedThreadId));
        }
        Signal(operation);
    }

    private void Signal(in StoreOperation operation)
    {
        _queue.Enqueue(operation);
        if (!_signal.IsSet)
            _signal.Set();
    }

    /// <summary>
    /// Takes what has queued and commits it, but never in the middle of an atomic group: while a
    /// group that began in the batch has not ended, it waits for the rest. A crash then leaves
    /// either all of a PUBLISH's changes on disk or none, never its QoS 2 id without its messages.
    /// </summary>
    private void WriteLoop()
    {
        var batch = new List<StoreOperation>();
        var callbacks = new List<StoreOperation>();
        var openGroups = new HashSet<long>();
        long waitingSince = 0;
        while (true)
        {
            _signal.Reset();
            while ((batch.Count < MaxBatch || openGroups.Count > 0) && _queue.TryDequeue(out var operation))
            {
                if (operation.Kind == OperationKind.GroupBegin)
                    openGroups.Add(operation.Number);
                else if (operation.Kind == OperationKind.GroupEnd)
                    openGroups.Remove(operation.Number);
                else
                    batch.Add(operation);
            }
            var groupStillOpen = openGroups.Count > 0
                && !(_stopping && waitingSince != 0 && Stopwatch.GetElapsedTime(waitingSince) > OpenGroupGrace);
            if (batch.Count == 0 || groupStillOpen)
            {
                if (batch.Count == 0 && _stopping)
                    return;
                waitingSince = waitingSince == 0 ? Stopwatch.GetTimestamp() : waitingSince;
                _signal.Wait(_stopping ? TimeSpan.FromMilliseconds(100) : Timeout.InfiniteTimeSpan);
                continue;
            }
            waitingSince = 0;
            openGroups.Clear();
            if (!Commit(batch, callbacks))
                return; // stopping after a failed commit: nothing later may commit or be acknowledged
            foreach (var callback in callbacks)
                RunCallback(callback);
            batch.Clear();
            callbacks.Clear();
        }
    }

    /// <summary>Commits the batch, retrying while the server runs; false when it gave up at shutdown.</summary>
    private bool Commit(List<StoreOperation> batch, List<StoreOperation> callbacks)
    {
        while (true)
        {
            try
            {
                var started = Stopwatch.GetTimestamp();
                _operations!.Apply(batch, callbacks);
                _metrics!.Committed(batch.Count, Stopwatch.GetElapsedTime(started));
                _failing = false;
                return true;
            }
            catch (SqliteException e)
            {
                callbacks.Clear();
                _failing = true;
                _metrics!.Failed();
                CommitFailed(_logger, Path, Describe(e), RetryDelay.TotalSeconds);
                if (_stopping)
                    return false;
                Thread.Sleep(RetryDelay);
            }
        }
    }

    private void RunCallback(in StoreOperation operation)
    {
        try
        {
            operation.Callback(operation.State);
        }
        catch (Exception e)
        {
            CallbackFailed(_logger, e);
        }
    }

    private static string Describe(SqliteException e) => e.SqliteErrorCode switch
    {
        11 or 26 => $"the file is corrupt or not a database ({e.Message})", // SQLITE_CORRUPT, SQLITE_NOTADB
        5 or 6 => $"the file is locked, most likely by another Herald using the same data directory ({e.Message})", // SQLITE_BUSY, SQLITE_LOCKED
        8 => $"the file or its directory is read-only ({e.Message})", // SQLITE_READONLY
        13 => $"the disk is full ({e.Message})", // SQLITE_FULL
        14 => $"the file cannot be opened ({e.Message})", // SQLITE_CANTOPEN
        _ => e.Message,
    };

    [LoggerMessage(EventId = 500, Level = LogLevel.Critical,
        Message = "Cannot commit to the database {Path}: {Problem}. Acknowledgements are held back; retrying in {Seconds} s")]
    private static partial void CommitFailed(ILogger logger, string path, string problem, double seconds);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "A callback after a commit failed")]
    private static partial void CallbackFailed(ILogger logger, Exception exception);
}

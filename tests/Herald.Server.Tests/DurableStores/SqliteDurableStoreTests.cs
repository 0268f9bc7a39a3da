using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Sessions;
using Herald.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.DurableStores;

/// <summary>
/// The durable store contract against herald.db in a temporary data directory; a restart is a
/// new <see cref="SqliteStore"/> on the same file, loaded before it starts writing, as the host
/// opens it.
/// </summary>
public sealed class SqliteDurableStoreTests : DurableStoreContract
{
    private readonly string _directory = Directory.CreateTempSubdirectory("herald-durablestore-").FullName;
    private SqliteStore? _store;

    protected override IDurableStore Store => _store ?? throw new InvalidOperationException("the store is closed");

    private string DatabasePath => Path.Combine(_directory, "herald.db");

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    protected override Task<StoredState> OpenAsync()
    {
        var store = SqliteStore.Open(DatabasePath, SqliteSynchronous.Full, Time);
        var state = store.Load(); // once, before the writer starts
        _store = store.StartWriting(Errors);
        return Task.FromResult(state);
    }

    protected override Task CloseAsync()
    {
        _store?.Dispose();
        _store = null;
        return Task.CompletedTask;
    }

    protected override Task ClaimAsync(string clientId) => Task.CompletedTask; // the file is this server's alone

    /// <summary>
    /// Startup skips deliveries of a session it does not know and deletes messages no delivery
    /// names, so the contract cannot see rows left behind: the file is read here instead.
    /// </summary>
    [Fact]
    public async Task Session_deleted_in_the_commit_that_gave_it_deliveries_leaves_no_rows_behind()
    {
        var deleted = await ClientAsync();
        var keeps = await ClientAsync();
        Store.SaveSession(keeps, 300, null);
        var shared = NewMessage("shared", "kept"u8, AtLeastOnce, retain: false);

        Store.BeginAtomic();
        Store.SaveSession(deleted, 300, null);
        for (var i = 1; i <= 40; i++)
            Store.AddDelivery(deleted, new QueuedMessage(i == 20 ? shared : NewMessage($"a/{i}", "x"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: i), 0, default);
        Store.AddDelivery(keeps, new QueuedMessage(shared, AtLeastOnce, Retain: false, Sequence: 1), 0, default);
        Store.DeleteSession(deleted);
        Store.EndAtomic();
        await DurableAsync();
        await CloseAsync();

        Assert.Equal((1L, 1L), (Count("deliveries"), Count("messages")));
    }

    private long Count(string table)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// A copy of the database and its write-ahead log, opened as a restart after a crash opens
    /// them. Callbacks run on the writer thread between commits, so the two files are what a
    /// crash at that moment would leave. (The store holds its file exclusively, so no second
    /// connection can read it; SQLite's locks do not stop a plain file read.)
    /// </summary>
    protected override StoredState ReadDurable()
    {
        var copy = Directory.CreateTempSubdirectory("herald-durablestore-crash-").FullName;
        try
        {
            var path = Path.Combine(copy, "herald.db");
            File.Copy(DatabasePath, path);
            if (File.Exists(DatabasePath + "-wal"))
                File.Copy(DatabasePath + "-wal", path + "-wal");
            using var store = SqliteStore.Open(path, SqliteSynchronous.Full, Time);
            return store.Load();
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}

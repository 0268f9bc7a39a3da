using Herald.Broker.Persistence;
using Herald.Storage.Sqlite;

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

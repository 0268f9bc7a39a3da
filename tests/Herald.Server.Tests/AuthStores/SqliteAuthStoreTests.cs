using Herald.Broker.Auth;
using Herald.Storage.Sqlite;

namespace Herald.Server.Tests.AuthStores;

/// <summary>The auth store contract against auth.db in a temporary data directory.</summary>
public sealed class SqliteAuthStoreTests : AuthStoreContract, IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("herald-authstore-").FullName;

    public SqliteAuthStoreTests() => Store = SqliteAuthStore.Open(Path.Combine(_dataDir, "auth.db"), TimeProvider.System);

    protected override IAuthStore Store { get; }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}

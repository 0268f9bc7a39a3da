using Herald.Broker.Auth;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// Users in <c>{DataDir}/auth.db</c> (WAL, ordinary locking), shared by the running server, which
/// reads a user when one logs in, and the <c>herald user</c> commands, which write. Each call
/// takes a pooled connection of its own, so any thread may call.
/// </summary>
public sealed class SqliteAuthStore : IAuthStore
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    private SqliteAuthStore(string connectionString, TimeProvider time)
    {
        _connectionString = connectionString;
        _time = time;
    }

    public string Path { get; private init; } = "";

    public string Location => Path;

    /// <summary>Opens (or creates) auth.db, checking it is Herald's and migrating it.</summary>
    /// <exception cref="StoreException">The file cannot be used; the message names it and why.</exception>
    public static SqliteAuthStore Open(string path, TimeProvider time)
    {
        var full = Schema.PrepareFile(path);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 5, // seconds a writer waits for another (a CLI command and the server)
        }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            AuthSchema.Definition.CheckOwner(connection, full); // before anything below writes to the file
            Schema.Execute(connection, "PRAGMA journal_mode = WAL");
            AuthSchema.Definition.Migrate(connection);
        }
        catch (SqliteException e)
        {
            throw new StoreException($"cannot use the database {full}: {e.Message}", e);
        }
        return new SqliteAuthStore(connectionString, time) { Path = full };
    }

    public ValueTask<string?> FindPasswordHashAsync(string username, CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT password_hash FROM users WHERE username = $name";
        command.Parameters.AddWithValue("$name", username);
        return ValueTask.FromResult((string?)command.ExecuteScalar());
    }

    public ValueTask<bool> SaveUserAsync(string username, string passwordHash, CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM users WHERE username = $name";
        exists.Parameters.AddWithValue("$name", username);
        var isNew = (long)exists.ExecuteScalar()! == 0;
        using var save = connection.CreateCommand();
        save.CommandText = """
            INSERT INTO users (username, password_hash, created_at) VALUES ($name, $hash, $now)
            ON CONFLICT (username) DO UPDATE SET password_hash = excluded.password_hash
            """;
        save.Parameters.AddWithValue("$name", username);
        save.Parameters.AddWithValue("$hash", passwordHash);
        save.Parameters.AddWithValue("$now", _time.GetUtcNow().ToUnixTimeMilliseconds());
        save.ExecuteNonQuery();
        transaction.Commit();
        return ValueTask.FromResult(isNew);
    }

    public ValueTask<bool> RemoveUserAsync(string username, CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM users WHERE username = $name";
        command.Parameters.AddWithValue("$name", username);
        return ValueTask.FromResult(command.ExecuteNonQuery() > 0);
    }

    public ValueTask<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT username FROM users ORDER BY username";
        using var reader = command.ExecuteReader();
        var users = new List<string>();
        while (reader.Read())
            users.Add(reader.GetString(0));
        return ValueTask.FromResult<IReadOnlyList<string>>(users);
    }

    public ValueTask<bool> HasUsersAsync(CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM users)";
        return ValueTask.FromResult((long)command.ExecuteScalar()! != 0);
    }

    public ValueTask<IReadOnlyList<AclRule>> ListRulesAsync(CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, subject, principal, access, topic FROM acl_rules ORDER BY id";
        using var reader = command.ExecuteReader();
        var rules = new List<AclRule>();
        while (reader.Read())
        {
            rules.Add(new AclRule(reader.GetInt64(0), Enum.Parse<AclSubject>(reader.GetString(1), ignoreCase: true),
                reader.IsDBNull(2) ? null : reader.GetString(2), Enum.Parse<AclAccess>(reader.GetString(3), ignoreCase: true), reader.GetString(4)));
        }
        return ValueTask.FromResult<IReadOnlyList<AclRule>>(rules);
    }

    public ValueTask<AclRule> AddRuleAsync(AclRule rule, CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO acl_rules (subject, principal, access, topic) VALUES ($subject, $principal, $access, $topic) RETURNING id";
        insert.Parameters.AddWithValue("$subject", rule.Subject.ToString().ToLowerInvariant());
        insert.Parameters.AddWithValue("$principal", (object?)rule.Principal ?? DBNull.Value);
        insert.Parameters.AddWithValue("$access", rule.Access.ToString().ToLowerInvariant());
        insert.Parameters.AddWithValue("$topic", rule.Topic);
        var id = (long)insert.ExecuteScalar()!;
        BumpVersion(connection);
        transaction.Commit();
        return ValueTask.FromResult(rule with { Id = id });
    }

    public ValueTask<bool> RemoveRuleAsync(long id, CancellationToken cancellationToken) => ValueTask.FromResult(RemovePolicyRow("acl_rules", id));

    public ValueTask<long> GetVersionAsync(CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT version FROM policy_version";
        return ValueTask.FromResult((long)command.ExecuteScalar()!);
    }

    public ValueTask<IReadOnlyList<Ban>> ListBansAsync(CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, kind, value, until, reason FROM bans ORDER BY id";
        using var reader = command.ExecuteReader();
        var bans = new List<Ban>();
        while (reader.Read())
        {
            bans.Add(new Ban(reader.GetInt64(0), Enum.Parse<BanKind>(reader.GetString(1), ignoreCase: true), reader.GetString(2),
                reader.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return ValueTask.FromResult<IReadOnlyList<Ban>>(bans);
    }

    public ValueTask<Ban> AddBanAsync(Ban ban, CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO bans (kind, value, until, reason) VALUES ($kind, $value, $until, $reason) RETURNING id";
        insert.Parameters.AddWithValue("$kind", ban.Kind.ToString().ToLowerInvariant());
        insert.Parameters.AddWithValue("$value", ban.Value);
        insert.Parameters.AddWithValue("$until", (object?)ban.Until?.ToUnixTimeMilliseconds() ?? DBNull.Value);
        insert.Parameters.AddWithValue("$reason", (object?)ban.Reason ?? DBNull.Value);
        var id = (long)insert.ExecuteScalar()!;
        BumpVersion(connection);
        transaction.Commit();
        return ValueTask.FromResult(ban with { Id = id });
    }

    public ValueTask<bool> RemoveBanAsync(long id, CancellationToken cancellationToken) => ValueTask.FromResult(RemovePolicyRow("bans", id));

    /// <summary>Deletes a rule or ban by id, bumping the version the server polls; false when there was none.</summary>
    private bool RemovePolicyRow(string table, long id)
    {
        using var connection = OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var delete = connection.CreateCommand();
        delete.CommandText = $"DELETE FROM {table} WHERE id = $id";
        delete.Parameters.AddWithValue("$id", id);
        var removed = delete.ExecuteNonQuery() > 0;
        if (removed)
            BumpVersion(connection);
        transaction.Commit();
        return removed;
    }

    private static void BumpVersion(SqliteConnection connection) => Schema.Execute(connection, "UPDATE policy_version SET version = version + 1");

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}

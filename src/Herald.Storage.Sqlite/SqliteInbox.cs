using System.Text.Json;
using Herald.Broker.Inbox;
using Herald.Protocol;
using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The users' inboxes in <c>{DataDir}/inbox.db</c> (WAL), so an app finds the pushes it missed
/// after a restart too. Each call takes a pooled connection of its own, so any thread may call.
/// Adding a message trims that user's inbox to the bound and every inbox to the retention.
/// </summary>
public sealed class SqliteInbox : IInbox
{
    private readonly string _connectionString;
    private readonly int _maxMessages;
    private readonly TimeSpan _retention;

    private SqliteInbox(string connectionString, int maxMessages, TimeSpan retention)
    {
        _connectionString = connectionString;
        _maxMessages = maxMessages;
        _retention = retention;
    }

    public string Path { get; private init; } = "";

    /// <summary>Opens (or creates) inbox.db, checking it is Herald's and migrating it.</summary>
    /// <exception cref="StoreException">The file cannot be used; the message names it and why.</exception>
    public static SqliteInbox Open(string path, int maxMessages, TimeSpan retention)
    {
        var full = Schema.PrepareFile(path);
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 5,
        }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            InboxSchema.Definition.CheckOwner(connection, full);
            Schema.Execute(connection, "PRAGMA journal_mode = WAL");
            InboxSchema.Definition.Migrate(connection);
        }
        catch (SqliteException e)
        {
            throw new StoreException($"cannot use the database {full}: {e.Message}", e);
        }
        return new SqliteInbox(connectionString, maxMessages, retention) { Path = full };
    }

    public Task<InboxMessage> AddAsync(string user, InboxMessage message, CancellationToken cancellationToken)
    {
        var now = message.At;
        using var connection = OpenConnection();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO inbox (user, at, topic, payload, qos, expiry, content_type, response_topic, correlation_data, user_properties)
            VALUES ($user, $at, $topic, $payload, $qos, $expiry, $contentType, $responseTopic, $correlation, $userProperties)
            RETURNING id
            """;
        insert.Parameters.AddWithValue("$user", user);
        insert.Parameters.AddWithValue("$at", message.At.ToUnixTimeMilliseconds());
        insert.Parameters.AddWithValue("$topic", message.Topic);
        insert.Parameters.AddWithValue("$payload", message.Payload);
        insert.Parameters.AddWithValue("$qos", (int)message.Qos);
        insert.Parameters.AddWithValue("$expiry", (object?)message.MessageExpiryInterval ?? DBNull.Value);
        insert.Parameters.AddWithValue("$contentType", (object?)message.ContentType ?? DBNull.Value);
        insert.Parameters.AddWithValue("$responseTopic", (object?)message.ResponseTopic ?? DBNull.Value);
        insert.Parameters.AddWithValue("$correlation", (object?)message.CorrelationData ?? DBNull.Value);
        insert.Parameters.AddWithValue("$userProperties", message.UserProperties.Count == 0
            ? DBNull.Value
            : JsonSerializer.Serialize(message.UserProperties.Select(p => new[] { p.Name, p.Value })));
        var id = (long)insert.ExecuteScalar()!;

        using var trim = connection.CreateCommand();
        trim.CommandText = """
            DELETE FROM inbox WHERE user = $user AND id <= (SELECT id FROM inbox WHERE user = $user ORDER BY id DESC LIMIT 1 OFFSET $max);
            DELETE FROM inbox WHERE at < $oldest;
            """;
        trim.Parameters.AddWithValue("$user", user);
        trim.Parameters.AddWithValue("$max", _maxMessages);
        trim.Parameters.AddWithValue("$oldest", (now - _retention).ToUnixTimeMilliseconds());
        trim.ExecuteNonQuery();
        transaction.Commit();
        return Task.FromResult(message with { Id = id });
    }

    public Task<IReadOnlyList<InboxMessage>> ReadAsync(string user, long afterId, DateTimeOffset notBefore, int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var connection = OpenConnection();
        using var select = connection.CreateCommand();
        select.CommandText = """
            SELECT id, at, topic, payload, qos, expiry, content_type, response_topic, correlation_data, user_properties
            FROM inbox WHERE user = $user AND id > $after AND at >= $notBefore ORDER BY id
            """;
        select.Parameters.AddWithValue("$user", user);
        select.Parameters.AddWithValue("$after", afterId);
        select.Parameters.AddWithValue("$notBefore", Math.Max(notBefore.ToUnixTimeMilliseconds(), (now - _retention).ToUnixTimeMilliseconds()));
        var found = new List<InboxMessage>();
        using var row = select.ExecuteReader();
        while (found.Count < limit && row.Read())
        {
            var message = new InboxMessage(
                row.GetInt64(0),
                DateTimeOffset.FromUnixTimeMilliseconds(row.GetInt64(1)),
                row.GetString(2),
                (byte[])row.GetValue(3),
                (QualityOfService)row.GetInt64(4),
                row.IsDBNull(5) ? null : (uint)row.GetInt64(5),
                row.IsDBNull(6) ? null : row.GetString(6),
                row.IsDBNull(7) ? null : row.GetString(7),
                row.IsDBNull(8) ? null : (byte[])row.GetValue(8),
                row.IsDBNull(9) ? [] : [.. JsonSerializer.Deserialize<string[][]>(row.GetString(9))!.Select(p => new UserProperty(p[0], p[1]))]);
            if (!message.IsExpired(now))
                found.Add(message);
        }
        return Task.FromResult<IReadOnlyList<InboxMessage>>(found);
    }

    private SqliteConnection OpenConnection()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }
}

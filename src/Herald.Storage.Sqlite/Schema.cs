using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// The database's tables and how a file becomes them. A Herald database carries Herald's
/// application id; <c>user_version</c> is the schema version, and each migration takes a file
/// from one version to the next inside one transaction, so a file is never half migrated.
/// </summary>
internal static class Schema
{
    /// <summary>"HRLD": marks the file as Herald's, so a foreign SQLite file is refused, not altered.</summary>
    public const int ApplicationId = 0x48524C44;

    private static readonly string[] Migrations =
    [
        // 1: sessions, their subscriptions and messages, retained messages, delayed wills.
        """
        CREATE TABLE sessions (
            client_id TEXT PRIMARY KEY,
            expiry_interval INTEGER NOT NULL,
            disconnected_at INTEGER -- Unix ms; null while connected
        ) WITHOUT ROWID;
        CREATE TABLE subscriptions (
            client_id TEXT NOT NULL,
            filter TEXT NOT NULL,
            options INTEGER NOT NULL, -- the SUBSCRIBE options byte: QoS, No Local, Retain As Published, Retain Handling
            subscription_id INTEGER,
            PRIMARY KEY (client_id, filter)
        ) WITHOUT ROWID;
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            properties BLOB, -- forwarded MQTT 5 properties as encoded, without their length
            expiry_interval INTEGER,
            origin TEXT,
            received_at INTEGER NOT NULL -- Unix ms
        );
        CREATE TABLE deliveries (
            client_id TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            message_id INTEGER NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            subscription_ids BLOB,
            shared_filter TEXT, -- $share/{name}/{filter} the message came through
            packet_id INTEGER NOT NULL, -- 0 while queued
            state INTEGER NOT NULL, -- InflightState once sent
            PRIMARY KEY (client_id, sequence)
        ) WITHOUT ROWID;
        CREATE TABLE incoming_qos2 (
            client_id TEXT NOT NULL,
            packet_id INTEGER NOT NULL,
            PRIMARY KEY (client_id, packet_id)
        ) WITHOUT ROWID;
        CREATE TABLE retained (
            topic TEXT PRIMARY KEY,
            message_id INTEGER NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            properties BLOB,
            expiry_interval INTEGER,
            origin TEXT,
            received_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE wills (
            client_id TEXT PRIMARY KEY,
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            properties BLOB,
            due_at INTEGER NOT NULL -- Unix ms
        ) WITHOUT ROWID;
        """,
    ];

    public static int Version => Migrations.Length;

    /// <summary>Refuses a file that is not Herald's (another program's database) or is a newer Herald's. Reads only.</summary>
    public static void CheckOwner(SqliteConnection connection, string path)
    {
        var applicationId = Scalar(connection, "PRAGMA application_id");
        if (applicationId != ApplicationId && (applicationId != 0 || Scalar(connection, "SELECT count(*) FROM sqlite_master") != 0))
            throw new StoreException($"{path} is a SQLite database of another program, not Herald's; Herald leaves it untouched. Move it away or set Herald:DataDir to another directory.");
        var version = Scalar(connection, "PRAGMA user_version");
        if (version > Version)
            throw new StoreException($"{path} has schema version {version}, written by a newer Herald (this one knows up to {Version}); Herald leaves it untouched.");
    }

    /// <summary>Makes a new file Herald's or brings an older Herald file up to date, one transaction per version.</summary>
    public static void Migrate(SqliteConnection connection)
    {
        var version = Scalar(connection, "PRAGMA user_version");
        for (var next = version; next < Version; next++)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, Migrations[next]);
            Execute(connection, $"PRAGMA application_id = {ApplicationId}; PRAGMA user_version = {next + 1}");
            transaction.Commit();
        }
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    internal static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

using Microsoft.Data.Sqlite;

namespace Herald.Storage.Sqlite;

/// <summary>
/// A database's tables and how a file becomes them. A Herald database carries an application id
/// of its own (so a foreign SQLite file is refused, not altered) and its schema version in
/// <c>user_version</c>; each migration takes a file from one version to the next inside one
/// transaction, so a file is never half migrated.
/// </summary>
internal sealed class Schema(string fileName, int applicationId, string[] migrations)
{
    public string FileName { get; } = fileName;

    public int Version => migrations.Length;

    /// <summary>
    /// The full path of a database file about to be opened: its directory made, and an existing
    /// file refused unless it is a SQLite database, before SQLite opens (and could write) it.
    /// </summary>
    public static string PrepareFile(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot create the data directory {directory}: {e.Message}", e);
        }
        CheckHeader(full);
        return full;
    }

    private static void CheckHeader(string path)
    {
        if (!File.Exists(path))
            return;
        Span<byte> header = stackalloc byte[16];
        int read;
        try
        {
            using var file = File.OpenRead(path);
            read = file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot read the database {path}: {e.Message}", e);
        }
        if (read > 0 && (read < header.Length || !header.SequenceEqual("SQLite format 3\0"u8)))
            throw new StoreException($"{path} is not a SQLite database (it does not start with SQLite's header); Herald leaves it untouched. Move it away or set Herald:DataDir to another directory.");
    }

    /// <summary>Refuses a file that is another program's database or a newer Herald's. Reads only.</summary>
    public void CheckOwner(SqliteConnection connection, string path)
    {
        var id = Scalar(connection, "PRAGMA application_id");
        if (id != applicationId && (id != 0 || Scalar(connection, "SELECT count(*) FROM sqlite_master") != 0))
            throw new StoreException($"{path} is a SQLite database of another program, not Herald's {FileName}; Herald leaves it untouched. Move it away or set Herald:DataDir to another directory.");
        var version = Scalar(connection, "PRAGMA user_version");
        if (version > Version)
            throw new StoreException($"{path} has schema version {version}, written by a newer Herald (this one knows up to {Version}); Herald leaves it untouched.");
    }

    /// <summary>Makes a new file Herald's or brings an older Herald file up to date, one transaction per version.</summary>
    public void Migrate(SqliteConnection connection)
    {
        var version = Scalar(connection, "PRAGMA user_version");
        for (var next = version; next < Version; next++)
        {
            using var transaction = connection.BeginTransaction();
            Execute(connection, migrations[next]);
            Execute(connection, $"PRAGMA application_id = {applicationId}; PRAGMA user_version = {next + 1}");
            transaction.Commit();
        }
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}

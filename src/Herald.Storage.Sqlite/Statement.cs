using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald.Storage.Sqlite;

/// <summary>
/// One SQL statement prepared once on the writer's connection and run through SQLitePCL.raw.
/// Through <see cref="SqliteCommand"/> a row cost about 5 µs of binding (each value boxed, each
/// string and blob copied to a new array) before SQLite saw it; here a long is bound as a long and
/// text or a blob straight from its span. Parameters are numbered from 1 in the order they first
/// appear in the SQL; every run binds all of them. Writer thread only.
/// </summary>
internal sealed class Statement : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;

    public Statement(SqliteConnection connection, string sql)
    {
        _database = connection.Handle!;
        Check(raw.sqlite3_prepare_v3(_database, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
    }

    public void Bind(int index, long value) => Check(raw.sqlite3_bind_int64(_statement, index, value));

    public void Bind(int index, long? value) =>
        Check(value is { } v ? raw.sqlite3_bind_int64(_statement, index, v) : raw.sqlite3_bind_null(_statement, index));

    public void Bind(int index, string? value) =>
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));

    /// <summary>A blob; an empty one is bound as an empty blob, not as null (a span with no bytes has no address to give SQLite).</summary>
    public void BindBlob(int index, ReadOnlySpan<byte> value) =>
        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>A blob that is null when empty.</summary>
    public void BindBlobOrNull(int index, ReadOnlySpan<byte> value) =>
        Check(value.IsEmpty ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_blob(_statement, index, value));

    /// <summary>Runs the statement to its end; returns the rows it changed.</summary>
    public int Execute()
    {
        var result = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (result != raw.SQLITE_DONE)
            Check(result);
        return raw.sqlite3_changes(_database);
    }

    /// <summary>Steps a query: true while it has a row, read with <see cref="Int64"/>; false at its end, when it is reset.</summary>
    public bool Read()
    {
        var result = raw.sqlite3_step(_statement);
        if (result == raw.SQLITE_ROW)
            return true;
        raw.sqlite3_reset(_statement);
        if (result != raw.SQLITE_DONE)
            Check(result);
        return false;
    }

    public long Int64(int column) => raw.sqlite3_column_int64(_statement, column);

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(result, _database);
    }
}

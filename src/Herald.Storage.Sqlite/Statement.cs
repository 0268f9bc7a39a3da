using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald.Storage.Sqlite;

/// <summary>
/// One SQL statement prepared once on the writer's connection and run through SQLitePCL.raw, so
/// a long is bound as a long and text or a blob straight from its span, with nothing boxed or
/// copied on the way. Parameters are numbered from 1 in the order they first appear in the SQL;
/// every run binds all of them.
/// <para>
/// A bind still costs about 100 ns (a call into SQLite and, for text, a copy there), and a
/// message's rows repeat most of their values from one run to the next (the client id, the
/// topic, QoS, the nulls). SQLite keeps a parameter's value across runs, so an integer, null or
/// text equal to the one bound last time is not bound again; blobs are always bound.
/// </para>
/// Writer thread only.
/// </summary>
internal sealed class Statement : IDisposable
{
    private readonly sqlite3 _database;
    private readonly sqlite3_stmt _statement;
    private readonly Bound[] _bound; // what each parameter holds, by index

    public Statement(SqliteConnection connection, string sql)
    {
        _database = connection.Handle!;
        Check(raw.sqlite3_prepare_v3(_database, sql, raw.SQLITE_PREPARE_PERSISTENT, out _statement));
        _bound = new Bound[raw.sqlite3_bind_parameter_count(_statement) + 1];
    }

    public void Bind(int index, long value)
    {
        ref var bound = ref _bound[index];
        if (bound.Kind == BoundKind.Integer && bound.Integer == value)
            return;
        bound = default; // until SQLite has taken the new value
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        bound = new Bound(BoundKind.Integer, value, null);
    }

    public void Bind(int index, long? value)
    {
        if (value is { } v)
            Bind(index, v);
        else
            BindNull(index);
    }

    public void Bind(int index, string? value)
    {
        if (value is null)
        {
            BindNull(index);
            return;
        }
        ref var bound = ref _bound[index];
        if (bound.Kind == BoundKind.Text && string.Equals(bound.Text, value, StringComparison.Ordinal))
            return;
        bound = default;
        Check(raw.sqlite3_bind_text16(_statement, index, value.AsSpan()));
        bound = new Bound(BoundKind.Text, 0, value);
    }

    /// <summary>A blob; an empty one is bound as an empty blob, not as null (a span with no bytes has no address to give SQLite).</summary>
    public void BindBlob(int index, ReadOnlySpan<byte> value)
    {
        _bound[index] = default;
        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, value));
    }

    /// <summary>A blob that is null when empty.</summary>
    public void BindBlobOrNull(int index, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            BindNull(index);
            return;
        }
        _bound[index] = default;
        Check(raw.sqlite3_bind_blob(_statement, index, value));
    }

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

    private void BindNull(int index)
    {
        ref var bound = ref _bound[index];
        if (bound.Kind == BoundKind.Null)
            return;
        bound = default;
        Check(raw.sqlite3_bind_null(_statement, index));
        bound = new Bound(BoundKind.Null, 0, null);
    }

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
            SqliteException.ThrowExceptionForRC(result, _database);
    }

    /// <summary>Unknown (never bound, a blob, or a bind that failed) unless it is a value the next bind can be compared with.</summary>
    private enum BoundKind : byte
    {
        Unknown,
        Integer,
        Null,
        Text,
    }

    private readonly record struct Bound(BoundKind Kind, long Integer, string? Text);
}

namespace Herald.Storage.Sqlite;

/// <summary>The table of inbox.db: the recent pushes to each user. A file of its own so herald.db's writer thread never waits on it.</summary>
internal static class InboxSchema
{
    public static Schema Definition { get; } = new("inbox.db", 0x48524C49, // "HRLI"
    [
        // 1: pushed messages, newest id last.
        """
        CREATE TABLE inbox (
            id INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused, so a reader's "since" stays meaningful
            user TEXT NOT NULL,
            at INTEGER NOT NULL, -- Unix ms
            topic TEXT NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            expiry INTEGER, -- Message Expiry Interval, seconds
            content_type TEXT,
            response_topic TEXT,
            correlation_data BLOB,
            user_properties TEXT -- JSON [[name, value], ...]
        );
        CREATE INDEX inbox_user ON inbox (user, id);
        CREATE INDEX inbox_at ON inbox (at);
        """,
    ]);
}

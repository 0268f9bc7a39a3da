namespace Herald.Storage.Sqlite;

/// <summary>The tables of herald.db, the durable store: one migration per schema version, oldest first.</summary>
internal static class StoreSchema
{
    public static Schema Definition { get; } = new("herald.db", 0x48524C44, // "HRLD"
    [
        // 1: sessions, their subscriptions and messages, retained messages, delayed wills.
        """
        CREATE TABLE sessions (
            client_id TEXT PRIMARY KEY,
            expiry_interval INTEGER NOT NULL,
            username TEXT, -- its client's last login, for the ACL while it is away
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
    ]);
}

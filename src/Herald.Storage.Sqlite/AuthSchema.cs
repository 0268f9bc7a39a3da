namespace Herald.Storage.Sqlite;

/// <summary>
/// The tables of auth.db: users (and, later, ACL rules). A file of its own beside herald.db because
/// the CLI changes it while the server runs, where herald.db is held by the server alone.
/// </summary>
internal static class AuthSchema
{
    public static Schema Definition { get; } = new("auth.db", 0x48524C41, // "HRLA"
    [
        // 1: users with their password hashes.
        """
        CREATE TABLE users (
            username TEXT PRIMARY KEY,
            password_hash TEXT NOT NULL, -- PasswordHash: $7$iterations$salt$hash
            created_at INTEGER NOT NULL -- Unix ms
        ) WITHOUT ROWID;
        """,
        // 2: ACL rules, bans, and a version every change of either bumps, which the server polls.
        """
        CREATE TABLE acl_rules (
            id INTEGER PRIMARY KEY,
            subject TEXT NOT NULL CHECK (subject IN ('user', 'client', 'everyone', 'anonymous')),
            principal TEXT, -- the username, or the client-id pattern ('*' any run of characters)
            access TEXT NOT NULL CHECK (access IN ('read', 'write', 'readwrite', 'deny')),
            topic TEXT NOT NULL -- a topic filter; %u and %c stand for the username and client id
        );
        CREATE TABLE bans (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('clientid', 'username', 'address')),
            value TEXT NOT NULL,
            until INTEGER, -- Unix ms; null for ever
            reason TEXT
        );
        CREATE TABLE policy_version (version INTEGER NOT NULL);
        INSERT INTO policy_version (version) VALUES (0);
        """,
    ]);
}

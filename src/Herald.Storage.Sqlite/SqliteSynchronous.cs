namespace Herald.Storage.Sqlite;

/// <summary>SQLite's <c>PRAGMA synchronous</c> in WAL mode: how hard each commit is pushed to the disk.</summary>
public enum SqliteSynchronous
{
    /// <summary>Every commit is on the disk before it returns: an acknowledged message survives a power cut.</summary>
    Full,

    /// <summary>
    /// Commits reach the operating system, the disk only at checkpoints: faster, and an acknowledged
    /// message survives the process being killed but not the machine losing power.
    /// </summary>
    Normal,
}

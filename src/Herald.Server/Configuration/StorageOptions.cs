using Herald.Storage.Sqlite;

namespace Herald.Server.Configuration;

/// <summary>The <c>Herald:Storage</c> section: where persistent sessions and retained messages live.</summary>
public sealed class StorageOptions
{
    /// <summary><see cref="StorageProvider.Sqlite"/> (the default) keeps them in {DataDir}/herald.db.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>How hard each commit is pushed to the disk; Full survives a power cut, Normal only a crash.</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;
}

public enum StorageProvider
{
    /// <summary>The embedded SQLite database: nothing acknowledged is lost to a crash.</summary>
    Sqlite,

    /// <summary>Nothing on disk: sessions and retained messages last as long as the process.</summary>
    Memory,
}

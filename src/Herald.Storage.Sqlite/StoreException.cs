namespace Herald.Storage.Sqlite;

/// <summary>The database cannot be used (corrupt, foreign, newer, unwritable); the message names the file and why.</summary>
public sealed class StoreException(string message, Exception? inner = null) : Exception(message, inner);

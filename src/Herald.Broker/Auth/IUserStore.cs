namespace Herald.Broker.Auth;

/// <summary>
/// The users clients log in as: a name and a <see cref="PasswordHash"/>. Kept in the SQLite
/// database of the data directory or in Redis; the CLI and the HTTP API change them while the
/// server runs, and new connections see the change.
/// </summary>
public interface IUserStore
{
    /// <summary>The stored hash of <paramref name="username"/>'s password; null when there is no such user.</summary>
    ValueTask<string?> FindPasswordHashAsync(string username, CancellationToken cancellationToken);

    /// <summary>Adds the user or replaces its password hash; returns true when the user is new.</summary>
    ValueTask<bool> SaveUserAsync(string username, string passwordHash, CancellationToken cancellationToken);

    /// <summary>Returns false when there was no such user.</summary>
    ValueTask<bool> RemoveUserAsync(string username, CancellationToken cancellationToken);

    ValueTask<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken);

    /// <summary>Whether any user exists: with none, a username is not checked where anonymous clients are allowed.</summary>
    ValueTask<bool> HasUsersAsync(CancellationToken cancellationToken);
}

using Herald.Broker.Auth;

namespace Herald.Broker.Tests.Auth;

/// <summary>An <see cref="IUserStore"/> in a dictionary, for driving <see cref="PasswordAuthenticator"/> without SQLite.</summary>
internal sealed class InMemoryUserStore : IUserStore
{
    private readonly Lock _lock = new();

    // Guarded by _lock: the authenticator reads while a test writes.
    private readonly Dictionary<string, string> _hashes = new(StringComparer.Ordinal);

    public ValueTask<string?> FindPasswordHashAsync(string username, CancellationToken cancellationToken)
    {
        lock (_lock)
            return ValueTask.FromResult(_hashes.GetValueOrDefault(username));
    }

    public ValueTask<bool> SaveUserAsync(string username, string passwordHash, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var isNew = !_hashes.ContainsKey(username);
            _hashes[username] = passwordHash;
            return ValueTask.FromResult(isNew);
        }
    }

    public ValueTask<bool> RemoveUserAsync(string username, CancellationToken cancellationToken)
    {
        lock (_lock)
            return ValueTask.FromResult(_hashes.Remove(username));
    }

    public ValueTask<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
            return ValueTask.FromResult<IReadOnlyList<string>>([.. _hashes.Keys.Order(StringComparer.Ordinal)]);
    }

    public ValueTask<bool> HasUsersAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
            return ValueTask.FromResult(_hashes.Count > 0);
    }

    /// <summary>Adds a user with a hash of few iterations: the tests judge the logic, not the cost.</summary>
    public void Add(string username, string password) =>
        SaveUserAsync(username, PasswordHash.Create(password, Iterations), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public const int Iterations = 1_000;
}

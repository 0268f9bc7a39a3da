using Herald.Broker.Auth;
using Herald.Storage.Redis;
using Herald.Storage.Sqlite;
using StackExchange.Redis;

namespace Herald.Server.Configuration;

/// <summary>Opens the auth store <c>Herald:Auth:Provider</c> names, for the server and the CLI verbs alike.</summary>
public static class AuthStores
{
    /// <exception cref="StoreException">The store cannot be used; the message names it and why.</exception>
    public static IAuthStore Open(HeraldOptions options)
    {
        if (options.Auth.Provider == AuthProvider.Sqlite)
            return SqliteAuthStore.Open(Path.Combine(options.DataDir, "auth.db"), TimeProvider.System);
        try
        {
            return RedisAuthStore.Connect(options.Redis.Configuration);
        }
        catch (RedisConnectionException e)
        {
            throw new StoreException($"cannot reach Redis at Herald:Redis:Configuration '{options.Redis.Configuration}': {e.Message}", e);
        }
    }
}

namespace Herald.Server.Configuration;

/// <summary>The <c>Herald:Auth</c> section: who may connect.</summary>
public sealed class AuthOptions
{
    /// <summary>
    /// Whether clients without a username are let in. Unset: yes while every listener is on
    /// loopback (as Mosquitto 2), and a listener on another address refuses to start until it is
    /// set either way.
    /// </summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>Failed logins from one address, each within <see cref="LoginThrottleSeconds"/> of the last, before it is refused for that long; 0 turns it off.</summary>
    public int MaxLoginFailures { get; set; } = 5;

    public int LoginThrottleSeconds { get; set; } = 60;

    /// <summary>Where users, ACL rules and bans live: {DataDir}/auth.db, or Redis at <c>Herald:Redis:Configuration</c>.</summary>
    public AuthProvider Provider { get; set; } = AuthProvider.Sqlite;
}

public enum AuthProvider
{
    Sqlite,
    Redis,
}

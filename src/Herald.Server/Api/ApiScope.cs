namespace Herald.Server.Api;

/// <summary>What an API key may do. An endpoint names the one it needs; <see cref="Admin"/> allows everything.</summary>
public enum ApiScope
{
    /// <summary>Publish and push messages.</summary>
    Publish,

    /// <summary>Read statistics, hot topics, clients, sessions, retained messages and inboxes.</summary>
    Read,

    /// <summary>Everything: kick clients, delete retained messages, manage users, ACL rules and bans.</summary>
    Admin,
}

namespace Herald.Server.Configuration;

/// <summary><c>Herald:Push</c>: the topics of pushes to a user or a client that name none.</summary>
public sealed class PushOptions
{
    /// <summary>The topic of a push to a user; <c>${username}</c> is replaced. Pairs with an auto-subscription to it.</summary>
    public string UserTopic { get; set; } = "users/${username}/inbox";

    /// <summary>The topic of a push to a client id; <c>${clientid}</c> is replaced.</summary>
    public string ClientTopic { get; set; } = "clients/${clientid}/inbox";
}

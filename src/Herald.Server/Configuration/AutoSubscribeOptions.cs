namespace Herald.Server.Configuration;

/// <summary>
/// One entry of <c>Herald:AutoSubscribe</c>: a subscription every session gets on connect,
/// e.g. <c>Herald:AutoSubscribe:0:Topic = users/${username}/inbox</c>, <c>...:0:Qos = 1</c>.
/// </summary>
public sealed class AutoSubscribeOptions
{
    /// <summary>A topic filter; <c>${clientid}</c> and <c>${username}</c> stand for the client's.</summary>
    public string Topic { get; set; } = "";

    public int Qos { get; set; }

    public bool NoLocal { get; set; }

    public bool RetainAsPublished { get; set; }

    /// <summary>0 sends retained messages on every connect, 1 only for a new subscription, 2 never.</summary>
    public int RetainHandling { get; set; }
}

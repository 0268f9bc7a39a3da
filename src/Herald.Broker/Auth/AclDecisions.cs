namespace Herald.Broker.Auth;

/// <summary>What a client asks to do, for <see cref="AclDecisions"/>.</summary>
internal enum AclCheck
{
    Publish,
    Subscribe,
    Receive,
}

/// <summary>
/// One client's ACL decisions, remembered per topic and access until the policy is replaced (the
/// rules changed), the client logs in as someone else (a session resumed under another username),
/// or it holds <see cref="Capacity"/> of them. Not thread-safe: its owner
/// serialises access (the read loop for publish and subscribe, the session lock for delivery).
/// </summary>
internal sealed class AclDecisions
{
    private const int Capacity = 256;

    private Dictionary<(string Topic, AclCheck Check), bool>? _decisions; // made at the first decision: without rules there is none
    private AclPolicy? _policy;
    private string? _username;

    /// <summary>Asks <paramref name="decisions"/>, made at the first question a policy with rules leaves to it: without rules there is nothing to remember.</summary>
    public static bool Allows(ref AclDecisions? decisions, AclPolicy policy, AclCheck check, string topic, string clientId, string? username) =>
        policy.IsEmpty || (decisions ??= new AclDecisions()).Allows(policy, check, topic, clientId, username);

    private bool Allows(AclPolicy policy, AclCheck check, string topic, string clientId, string? username)
    {
        _decisions ??= [];
        if (!ReferenceEquals(policy, _policy) || _username != username || _decisions.Count >= Capacity)
        {
            _decisions.Clear();
            _policy = policy;
            _username = username;
        }
        if (_decisions.TryGetValue((topic, check), out var allowed))
            return allowed;
        allowed = check switch
        {
            AclCheck.Publish => policy.CanWrite(clientId, username, topic),
            AclCheck.Subscribe => policy.CanSubscribe(clientId, username, topic),
            _ => policy.CanRead(clientId, username, topic),
        };
        _decisions[(topic, check)] = allowed;
        return allowed;
    }
}

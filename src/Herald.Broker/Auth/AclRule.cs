namespace Herald.Broker.Auth;

/// <summary>Whom an ACL rule is for.</summary>
public enum AclSubject
{
    /// <summary>Clients logged in as <see cref="AclRule.Principal"/>.</summary>
    User,

    /// <summary>Clients whose id matches <see cref="AclRule.Principal"/>, a pattern where '*' stands for any run of characters.</summary>
    Client,

    /// <summary>Every client (Mosquitto's <c>pattern</c> lines).</summary>
    Everyone,

    /// <summary>Clients without a username (Mosquitto's <c>topic</c> lines before any <c>user</c> line).</summary>
    Anonymous,
}

/// <summary>What an ACL rule grants: read (subscribe and receive), write (publish), both, or takes away (deny).</summary>
public enum AclAccess
{
    Read,
    Write,
    ReadWrite,
    Deny,
}

/// <summary>
/// One ACL rule, as Mosquitto's acl_file has them: a topic filter with wildcards, in which
/// <c>%u</c> stands for the client's username and <c>%c</c> for its client id.
/// </summary>
public sealed record AclRule(long Id, AclSubject Subject, string? Principal, AclAccess Access, string Topic)
{
    /// <summary>Reads an access by its name as Mosquitto's acl_file writes it: read, write, readwrite or deny.</summary>
    public static bool TryParseAccess(string? text, out AclAccess access)
    {
        (var known, access) = text switch
        {
            "read" => (true, AclAccess.Read),
            "write" => (true, AclAccess.Write),
            "readwrite" => (true, AclAccess.ReadWrite),
            "deny" => (true, AclAccess.Deny),
            _ => (false, default),
        };
        return known;
    }
}

using Herald.Protocol;

namespace Herald.Broker.Auth;

/// <summary>
/// The ACL rules in force, decided as Mosquitto decides with an acl_file: with no rule at all
/// everything is allowed; once there is one, only what a rule grants is, and a matching deny rule
/// wins over any grant. A rule applies to a client by username, by client-id pattern, or to everyone.
/// </summary>
public sealed class AclPolicy(IReadOnlyList<AclRule> rules)
{
    public static AclPolicy Empty { get; } = new([]);

    public IReadOnlyList<AclRule> Rules { get; } = rules;

    public bool IsEmpty => Rules.Count == 0;

    /// <summary>PUBLISH to <paramref name="topic"/>.</summary>
    public bool CanWrite(string clientId, string? username, string topic) =>
        Decide(clientId, username, AclAccess.Write, filter => TopicRules.Matches(filter, topic));

    /// <summary>
    /// SUBSCRIBE to <paramref name="filter"/>: only to what a granting filter covers, and not to
    /// what a deny rule covers whole; a deny for part of it holds back those messages on delivery.
    /// </summary>
    public bool CanSubscribe(string clientId, string? username, string filter) =>
        Decide(clientId, username, AclAccess.Read, granted => TopicRules.Covers(granted, filter), denied => TopicRules.Covers(denied, filter));

    /// <summary>A message on <paramref name="topic"/> delivered to the client.</summary>
    public bool CanRead(string clientId, string? username, string topic) =>
        Decide(clientId, username, AclAccess.Read, filter => TopicRules.Matches(filter, topic));

    private bool Decide(string clientId, string? username, AclAccess wanted, Func<string, bool> grants, Func<string, bool>? denies = null)
    {
        if (IsEmpty)
            return true;
        var granted = false;
        foreach (var rule in Rules)
        {
            if (!AppliesTo(rule, clientId, username))
                continue;
            var filter = Substitute(rule.Topic, clientId, username);
            if (filter is null)
                continue;
            if (rule.Access == AclAccess.Deny)
            {
                if ((denies ?? grants)(filter))
                    return false;
            }
            else if (!granted && Includes(rule.Access, wanted) && grants(filter))
            {
                granted = true;
            }
        }
        return granted;
    }

    private static bool AppliesTo(AclRule rule, string clientId, string? username) => rule.Subject switch
    {
        AclSubject.User => username is not null && rule.Principal == username,
        AclSubject.Client => rule.Principal is not null && MatchesPattern(rule.Principal, clientId),
        AclSubject.Anonymous => username is null,
        _ => true,
    };

    private static bool Includes(AclAccess access, AclAccess wanted) => access == AclAccess.ReadWrite || access == wanted;

    /// <summary>The filter with %u and %c replaced; null when it needs a username the client has not.</summary>
    private static string? Substitute(string topic, string clientId, string? username)
    {
        if (!topic.Contains('%'))
            return topic;
        if (topic.Contains("%u", StringComparison.Ordinal) && username is null)
            return null;
        // A username or client id with a wildcard or a separator must not widen the rule.
        if (username is not null && username.AsSpan().IndexOfAny("+#/") >= 0 && topic.Contains("%u", StringComparison.Ordinal))
            return null;
        if (clientId.AsSpan().IndexOfAny("+#/") >= 0 && topic.Contains("%c", StringComparison.Ordinal))
            return null;
        return topic.Replace("%u", username, StringComparison.Ordinal).Replace("%c", clientId, StringComparison.Ordinal);
    }

    /// <summary>A client-id pattern: '*' matches any run of characters, everything else itself.</summary>
    private static bool MatchesPattern(ReadOnlySpan<char> pattern, ReadOnlySpan<char> value)
    {
        var star = pattern.IndexOf('*');
        if (star < 0)
            return pattern.SequenceEqual(value);
        if (!value.StartsWith(pattern[..star]))
            return false;
        var rest = pattern[(star + 1)..];
        for (var i = star; i <= value.Length; i++)
        {
            if (MatchesPattern(rest, value[i..]))
                return true;
        }
        return false;
    }
}

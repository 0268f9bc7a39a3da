using Herald.Broker.Connections;
using Herald.Broker.Routing;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>
/// The subscriptions every session gets on connect (<see cref="BrokerOptions.AutoSubscriptions"/>),
/// as if the client had sent SUBSCRIBE right after CONNECT: <c>${clientid}</c> and
/// <c>${username}</c> are filled in, the ACL is asked, and they show in the session's list. A
/// template naming a username the client lacks, or a name that would widen the filter (holding
/// '+', '#' or '/'), is skipped for that client.
/// </summary>
internal static class AutoSubscribe
{
    public static void Apply(ClientConnection connection)
    {
        var templates = connection.Broker.Options.AutoSubscriptions;
        if (templates.Count == 0)
            return;
        var retainedFor = new List<Subscription>();
        foreach (var template in templates)
        {
            if (Fill(template.Filter, connection.ClientId, connection.Username) is not { } filter)
                continue;
            if (SubscribeHandler.Add(connection, template with { Filter = filter }, subscriptionId: null, retainedFor) is null)
                return;
        }
        SubscribeHandler.SendRetained(connection, retainedFor);
    }

    private static string? Fill(string template, string clientId, string? username)
    {
        if (template.Contains("${username}", StringComparison.Ordinal) && (username is null || !IsPlainLevel(username)))
            return null;
        if (template.Contains("${clientid}", StringComparison.Ordinal) && !IsPlainLevel(clientId))
            return null;
        var filter = template.Replace("${clientid}", clientId, StringComparison.Ordinal).Replace("${username}", username, StringComparison.Ordinal);
        return TopicRules.IsValidTopicFilter(filter) ? filter : null;
    }

    private static bool IsPlainLevel(string name) => name.Length > 0 && name.AsSpan().IndexOfAny("+#/") < 0;
}

using Herald.Broker.Auth;
using Herald.Protocol;

namespace Herald.Server.Cli;

/// <summary>
/// <c>herald acl add (--user NAME | --client PATTERN | --everyone | --anonymous) --topic FILTER --access read|write|readwrite|deny</c>,
/// <c>herald acl list</c>, <c>herald acl remove ID</c>: the ACL rules of the configured data
/// directory; a running server applies a change within a second, to connected clients too.
/// </summary>
public static class AclCommand
{
    public const string Usage = "herald acl add (--user NAME | --client PATTERN | --everyone | --anonymous) --topic FILTER --access read|write|readwrite|deny | herald acl list | herald acl remove ID";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var command = CommandLine.Parse(args, ["user", "client", "topic", "access"], ["everyone", "anonymous"]);
        switch (command.Words)
        {
            case ["add"]:
                if (Rule(command, out var problem) is not { } rule)
                    return await CommandLine.FailAsync(error, problem);
                if (await command.OpenAuthStoreAsync(error) is not { } store)
                    return 2;
                var added = await store.AddRuleAsync(rule, CancellationToken.None);
                await output.WriteLineAsync($"rule {added.Id} added: {Describe(added)}");
                return 0;
            case ["list"]:
                if (await command.OpenAuthStoreAsync(error) is not { } listed)
                    return 2;
                foreach (var each in await listed.ListRulesAsync(CancellationToken.None))
                    await output.WriteLineAsync($"{each.Id}\t{Describe(each)}");
                return 0;
            case ["remove", var text] when long.TryParse(text, out var id):
                if (await command.OpenAuthStoreAsync(error) is not { } removing)
                    return 2;
                if (await removing.RemoveRuleAsync(id, CancellationToken.None))
                {
                    await output.WriteLineAsync($"rule {id} removed");
                    return 0;
                }
                await error.WriteLineAsync($"herald: there is no ACL rule {id}");
                return 1;
            default:
                return await CommandLine.FailAsync(error, $"usage: {Usage}");
        }
    }

    /// <summary>"user alice readwrite sensors/%u/#", as `acl list` prints a rule.</summary>
    public static string Describe(AclRule rule) =>
        $"{rule.Subject.ToString().ToLowerInvariant()}{(rule.Principal is null ? "" : " " + rule.Principal)} {rule.Access.ToString().ToLowerInvariant()} {rule.Topic}";

    private static AclRule? Rule(CommandLine command, out string problem)
    {
        problem = "";
        var subjects = new[] { "user", "client", "everyone", "anonymous" }.Count(command.Has);
        if (subjects != 1)
        {
            problem = "say whom the rule is for: exactly one of --user NAME, --client PATTERN, --everyone, --anonymous";
            return null;
        }
        var (subject, principal) = command.Has("user") ? (AclSubject.User, command.Option("user"))
            : command.Has("client") ? (AclSubject.Client, command.Option("client"))
            : command.Has("everyone") ? (AclSubject.Everyone, null)
            : (AclSubject.Anonymous, (string?)null);
        if (subject is AclSubject.User or AclSubject.Client && string.IsNullOrEmpty(principal))
        {
            problem = $"--{subject.ToString().ToLowerInvariant()} needs a value";
            return null;
        }
        var topic = command.Option("topic");
        if (string.IsNullOrEmpty(topic) || !TopicRules.IsValidTopicFilter(topic))
        {
            problem = $"--topic must be a valid topic filter ('+' and '#' alone in their level, '#' last), not '{topic}'";
            return null;
        }
        if (!AclRule.TryParseAccess(command.Option("access"), out var access))
        {
            problem = $"--access must be read, write, readwrite or deny, not '{command.Option("access")}'";
            return null;
        }
        return new AclRule(0, subject, principal, access, topic);
    }
}

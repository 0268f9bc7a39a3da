namespace Herald.Server.Cli;

/// <summary>
/// <c>herald import mosquitto [--passwd FILE] [--acl FILE]</c>: Mosquitto's users and ACL into the
/// configured data directory. Both files are read whole before anything is written; users already
/// there get the imported password, ACL rules are added to those there.
/// </summary>
public static class ImportCommand
{
    public const string Usage = "herald import mosquitto [--passwd FILE] [--acl FILE]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var command = CommandLine.Parse(args, ["passwd", "acl"]);
        if (command.Words is not ["mosquitto"] || !(command.Has("passwd") || command.Has("acl")))
            return await CommandLine.FailAsync(error, $"usage: {Usage}");
        IReadOnlyList<(string Username, string PasswordHash)> users = [];
        IReadOnlyList<Broker.Auth.AclRule> rules = [];
        try
        {
            if (command.Option("passwd") is { } passwd)
                users = MosquittoFiles.ReadPasswords(passwd);
            if (command.Option("acl") is { } acl)
                rules = MosquittoFiles.ReadAcl(acl);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            return await CommandLine.FailAsync(error, e.Message);
        }
        if (await command.OpenAuthStoreAsync(error) is not { } store)
            return 2;
        foreach (var (username, hash) in users)
            await store.SaveUserAsync(username, hash, CancellationToken.None);
        foreach (var rule in rules)
            await store.AddRuleAsync(rule, CancellationToken.None);
        await output.WriteLineAsync($"imported {users.Count} users and {rules.Count} ACL rules into {store.Location}");
        return 0;
    }
}

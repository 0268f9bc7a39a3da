using Herald.Broker.Auth;

namespace Herald.Server.Cli;

/// <summary>
/// <c>herald user add NAME [--password PASS]</c>, <c>herald user remove NAME</c>, <c>herald user list</c>:
/// the users of the configured data directory, changed while the server runs (new connections see
/// them at once). Without <c>--password</c> the password is read from the first line of standard
/// input, so it stays out of the process list and the shell history.
/// </summary>
public static class UserCommand
{
    public const string Usage = "herald user add NAME [--password PASS] | herald user remove NAME | herald user list   [--Herald:DataDir=DIR ...]";

    /// <summary>Runs the command; returns the exit code (0 done, 1 nothing to do, 2 bad usage or store).</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error)
    {
        var command = CommandLine.Parse(args, ["password"]);
        var words = command.Words;
        var password = command.Option("password");
        if (await command.OpenAuthStoreAsync(error) is not { } users)
            return 2;
        switch (words)
        {
            case ["add", var name]:
                if (string.IsNullOrEmpty(password))
                    password = await input.ReadLineAsync();
                if (!IsValidName(name) || string.IsNullOrEmpty(password))
                    return await CommandLine.FailAsync(error, IsValidName(name) ? "a password is needed: --password PASS, or one line on standard input" : $"'{name}' is not a valid user name: 1 to 65535 bytes of UTF-8, no ':' (as in a Mosquitto password file)");
                var isNew = await users.SaveUserAsync(name, PasswordHash.Create(password), CancellationToken.None);
                await output.WriteLineAsync(isNew ? $"user '{name}' added" : $"user '{name}': password changed");
                return 0;
            case ["remove", var name]:
                if (await users.RemoveUserAsync(name, CancellationToken.None))
                {
                    await output.WriteLineAsync($"user '{name}' removed");
                    return 0;
                }
                await error.WriteLineAsync($"herald: there is no user '{name}' in {users.Location}");
                return 1;
            case ["list"]:
                foreach (var name in await users.ListUsersAsync(CancellationToken.None))
                    await output.WriteLineAsync(name);
                return 0;
            default:
                return await CommandLine.FailAsync(error, $"usage: {Usage}");
        }
    }

    /// <summary>MQTT user names are UTF-8 strings of at most 65,535 bytes; ':' would break a Mosquitto password file export.</summary>
    private static bool IsValidName(string name) =>
        name.Length > 0 && System.Text.Encoding.UTF8.GetByteCount(name) <= ushort.MaxValue && !name.Contains(':');
}

using Herald.Broker.Auth;

namespace Herald.Server.Cli;

/// <summary>
/// <c>herald ban add (--client ID | --user NAME | --address IP) [--for DURATION] [--reason TEXT]</c>,
/// <c>herald ban list</c>, <c>herald ban remove ID</c>. A running server applies a ban within a
/// second: the client's CONNECT is refused and a connected one is closed. DURATION is a number
/// with s, m, h or d (30m, 12h, 7d); without it the ban lasts until removed.
/// </summary>
public static class BanCommand
{
    public const string Usage = "herald ban add (--client ID | --user NAME | --address IP) [--for 30m|12h|7d] [--reason TEXT] | herald ban list | herald ban remove ID";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var command = CommandLine.Parse(args, ["client", "user", "address", "for", "reason"]);
        switch (command.Words)
        {
            case ["add"]:
                if (Ban(command, out var problem) is not { } ban)
                    return await CommandLine.FailAsync(error, problem);
                if (await command.OpenAuthStoreAsync(error) is not { } store)
                    return 2;
                var added = await store.AddBanAsync(ban, CancellationToken.None);
                await output.WriteLineAsync($"ban {added.Id} added: {Describe(added)}");
                return 0;
            case ["list"]:
                if (await command.OpenAuthStoreAsync(error) is not { } listed)
                    return 2;
                foreach (var each in await listed.ListBansAsync(CancellationToken.None))
                    await output.WriteLineAsync($"{each.Id}\t{Describe(each)}");
                return 0;
            case ["remove", var text] when long.TryParse(text, out var id):
                if (await command.OpenAuthStoreAsync(error) is not { } removing)
                    return 2;
                if (await removing.RemoveBanAsync(id, CancellationToken.None))
                {
                    await output.WriteLineAsync($"ban {id} removed");
                    return 0;
                }
                await error.WriteLineAsync($"herald: there is no ban {id}");
                return 1;
            default:
                return await CommandLine.FailAsync(error, $"usage: {Usage}");
        }
    }

    /// <summary>"address 10.0.0.7 until 2026-12-03 10:00:00Z (scanner)", as `ban list` prints a ban.</summary>
    public static string Describe(Ban ban) =>
        $"{ban.Kind.ToString().ToLowerInvariant()} {ban.Value} {(ban.Until is { } until ? $"until {until:u}" : "for ever")}{(ban.Reason is null ? "" : $" ({ban.Reason})")}";

    private static Ban? Ban(CommandLine command, out string problem)
    {
        problem = "";
        var kinds = new[] { "client", "user", "address" }.Where(command.Has).ToArray();
        if (kinds.Length != 1 || string.IsNullOrEmpty(command.Option(kinds[0])))
        {
            problem = "say whom to ban: exactly one of --client ID, --user NAME, --address IP, with a value";
            return null;
        }
        var value = command.Option(kinds[0])!;
        var kind = kinds[0] switch { "client" => BanKind.ClientId, "user" => BanKind.Username, _ => BanKind.Address };
        if (kind == BanKind.Address)
        {
            if (!Broker.Auth.Ban.TryNormalizeAddress(value, out value))
            {
                problem = $"--address must be an IP address, not '{value}'";
                return null;
            }
        }
        DateTimeOffset? until = null;
        if (command.Option("for") is { } length)
        {
            if (!TryParseDuration(length, out var duration))
            {
                problem = $"--for must be a number with s, m, h or d (30m, 12h, 7d), not '{length}'";
                return null;
            }
            until = DateTimeOffset.UtcNow + duration;
        }
        return new Ban(0, kind, value, until, command.Option("reason"));
    }

    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !int.TryParse(text[..^1], out var count) || count <= 0)
            return false;
        duration = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(count),
            'm' => TimeSpan.FromMinutes(count),
            'h' => TimeSpan.FromHours(count),
            'd' => TimeSpan.FromDays(count),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero;
    }
}

using Herald.Broker.Auth;
using Herald.Server.Configuration;
using Herald.Storage.Sqlite;

namespace Herald.Server.Cli;

/// <summary>
/// What the management verbs share: their words and <c>--name value</c> options apart from the
/// configuration switches (<c>--Herald:...</c>), and the auth database those switches point to.
/// </summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, string> _options = new(StringComparer.Ordinal);
    private readonly List<string> _settings = [];

    private CommandLine(string[] args, IReadOnlySet<string> optionNames, IReadOnlySet<string> flagNames)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            var name = arg.StartsWith("--", StringComparison.Ordinal) ? arg[2..].Split('=', 2)[0] : null;
            if (name is not null && flagNames.Contains(name))
            {
                _options[name] = "";
            }
            else if (name is not null && optionNames.Contains(name))
            {
                var inline = arg.IndexOf('=');
                if (inline >= 0)
                    _options[name] = arg[(inline + 1)..];
                else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    _options[name] = args[++i];
                else
                    _options[name] = ""; // no value: the next switch is not taken for one
            }
            else if (name is not null)
            {
                _settings.Add(arg);
            }
            else
            {
                Words.Add(arg);
            }
        }
    }

    public List<string> Words { get; } = [];

    /// <param name="optionNames">Options that take a value: <c>--name value</c> or <c>--name=value</c>.</param>
    /// <param name="flagNames">Options that stand alone: <c>--name</c>.</param>
    public static CommandLine Parse(string[] args, string[] optionNames, string[]? flagNames = null) =>
        new(args, optionNames.ToHashSet(StringComparer.Ordinal), (flagNames ?? []).ToHashSet(StringComparer.Ordinal));

    public string? Option(string name) => _options.GetValueOrDefault(name);

    public bool Has(string name) => _options.ContainsKey(name);

    /// <summary>Writes "herald: MESSAGE" to standard error; returns 2, the exit code of bad usage.</summary>
    public static async Task<int> FailAsync(TextWriter error, string message)
    {
        await error.WriteLineAsync($"herald: {message}");
        return 2;
    }

    /// <summary>Opens the configured auth store (auth.db or Redis); null after writing why to <paramref name="error"/>.</summary>
    public async Task<IAuthStore?> OpenAuthStoreAsync(TextWriter error)
    {
        try
        {
            return AuthStores.Open(HeraldHost.ReadOptions([.. _settings]));
        }
        catch (ConfigurationException e)
        {
            await error.WriteLineAsync($"herald: invalid configuration: {e.Message}");
        }
        catch (StoreException e)
        {
            await error.WriteLineAsync($"herald: {e.Message}");
        }
        return null;
    }
}

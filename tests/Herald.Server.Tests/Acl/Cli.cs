using Herald.Server.Cli;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Acl;

/// <summary>
/// <c>herald acl ...</c> and <c>herald user ...</c> run in this process against a data directory,
/// as an operator runs them beside a live server; what they print is captured.
/// </summary>
public static class Cli
{
    public sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
    }

    public static Task<Result> AclAsync(string dataDir, params string[] args) => AclAsync([$"--Herald:DataDir={dataDir}"], args);

    /// <summary>Runs <c>herald acl ...</c> with <paramref name="settings"/> (configuration switches: data dir, auth provider).</summary>
    public static async Task<Result> AclAsync(string[] settings, params string[] args)
    {
        using StringWriter output = new(), error = new();
        var code = await AclCommand.RunAsync([.. args, .. settings], output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    public static Task AddRuleAsync(string dataDir, params string[] args) => AddRuleAsync([$"--Herald:DataDir={dataDir}"], args);

    /// <summary>Runs <c>herald acl add ...</c> and asserts it succeeded.</summary>
    public static async Task AddRuleAsync(string[] settings, params string[] args)
    {
        var result = await AclAsync(settings, ["add", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>Runs <c>herald user add NAME --password PASS</c> and asserts it succeeded.</summary>
    public static async Task AddUserAsync(string[] settings, string name, string password)
    {
        using StringWriter output = new(), error = new();
        var code = await UserCommand.RunAsync(["add", name, "--password", password, .. settings], TextReader.Null, output, error);
        Assert.True(code == 0, $"user add: exit {code}: {error}");
    }

    /// <summary>Waits, within <see cref="Wait.Bound"/>, until the server has loaded <paramref name="count"/> rules (it polls every second).</summary>
    public static async Task WaitForRulesAsync(HeraldServer server, int count)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        while (server.Broker.Acl.Rules.Count != count)
        {
            try
            {
                await Task.Delay(50, cts.Token);
            }
            catch (OperationCanceledException e)
            {
                throw new TimeoutException($"the server holds {server.Broker.Acl.Rules.Count} ACL rules, not {count}, after {Wait.Bound.TotalSeconds} s", e);
            }
        }
    }
}

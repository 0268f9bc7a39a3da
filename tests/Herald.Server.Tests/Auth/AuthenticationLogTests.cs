using Herald.Server.Cli;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Server.Tests.Auth;

/// <summary>At startup the log says who may connect: the mode and how many users there are.</summary>
public sealed class AuthenticationLogTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("herald-authlog-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Default_with_no_users_logs_that_usernames_are_not_checked()
    {
        var line = await StartupAuthenticationLineAsync();

        Assert.Contains("|207|Authentication: anonymous clients allowed and no users defined", line);
    }

    [Fact]
    public async Task Default_with_users_logs_that_anonymous_clients_are_allowed_and_how_many_users_there_are()
    {
        await AddUserAsync("alice");
        await AddUserAsync("bob");

        var line = await StartupAuthenticationLineAsync();

        Assert.Contains("|208|Authentication: anonymous clients allowed; a client giving a username must match one of 2 users", line);
    }

    [Fact]
    public async Task Anonymous_refused_logs_that_a_username_and_password_are_required()
    {
        await AddUserAsync("alice");

        var line = await StartupAuthenticationLineAsync(PasswordRequiredServer.AllowAnonymousFalse);

        Assert.Contains("|209|Authentication: username and password required (1 users; Herald:Auth:AllowAnonymous=false)", line);
    }

    private async Task AddUserAsync(string name)
    {
        var error = new StringWriter();
        Assert.True(0 == await UserCommand.RunAsync(["add", name, "--password", "pw", $"--Herald:DataDir={_dataDir}"], new StringReader(""), new StringWriter(), error), error.ToString());
    }

    private async Task<string> StartupAuthenticationLineAsync(params string[] extraArgs)
    {
        using var capture = new LogCapture();
        await using var server = await HeraldServer.StartAsync(
            configureServices: s => s.AddLogging(b => b.AddProvider(capture).AddFilter<LogCapture>(null, LogLevel.Information)),
            extraArgs: [$"--Herald:DataDir={_dataDir}", .. extraArgs]);
        return await capture.WaitForLineAsync(l => l.Contains("Authentication:", StringComparison.Ordinal));
    }
}

using Herald.Broker.Auth;
using Herald.Server.Cli;
using Herald.Server.Tests.Fixtures;
using Herald.Storage.Sqlite;
using MQTTnet;
using MQTTnet.Formatter;

namespace Herald.Server.Tests.Auth;

/// <summary><c>herald user add|remove|list</c> on a data directory of the test's own: in-process, and once through the executable.</summary>
public sealed class UserCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("herald-users-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Add_list_and_remove_users()
    {
        Assert.Equal((0, "user 'bob' added\n", ""), await RunAsync(["add", "bob", "--password", "builder"]));
        Assert.Equal((0, "user 'alice' added\n", ""), await RunAsync(["add", "alice", "--password=wonderland"]));
        Assert.Equal((0, "alice\nbob\n", ""), await RunAsync(["list"]));

        Assert.Equal((0, "user 'bob' removed\n", ""), await RunAsync(["remove", "bob"]));

        Assert.Equal((0, "alice\n", ""), await RunAsync(["list"]));
        Assert.True(await VerifyAsync("alice", "wonderland"));
        Assert.Null(await HashOfAsync("bob"));
    }

    [Fact]
    public async Task List_of_a_new_data_directory_is_empty()
    {
        Assert.Equal((0, "", ""), await RunAsync(["list"]));
    }

    [Fact]
    public async Task Password_is_read_from_the_first_line_of_standard_input()
    {
        var (code, _, error) = await RunAsync(["add", "alice"], input: "from stdin\nsecond line\n");

        Assert.True(code == 0, error);
        Assert.True(await VerifyAsync("alice", "from stdin"));
        Assert.False(await VerifyAsync("alice", "from stdin\nsecond line"));
    }

    [Fact]
    public async Task Stored_password_is_a_mosquitto_pbkdf2_hash_not_the_password()
    {
        await RunAsync(["add", "alice", "--password", "wonderland"]);

        var hash = await HashOfAsync("alice");

        Assert.StartsWith($"$7${PasswordHash.DefaultIterations}$", hash, StringComparison.Ordinal);
        Assert.DoesNotContain("wonderland", hash, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Adding_an_existing_user_changes_its_password()
    {
        await RunAsync(["add", "alice", "--password", "old"]);

        Assert.Equal((0, "user 'alice': password changed\n", ""), await RunAsync(["add", "alice", "--password", "new"]));

        Assert.False(await VerifyAsync("alice", "old"));
        Assert.True(await VerifyAsync("alice", "new"));
        Assert.Equal((0, "alice\n", ""), await RunAsync(["list"]));
    }

    [Fact]
    public async Task Removing_an_unknown_user_exits_1_naming_it()
    {
        await RunAsync(["add", "alice", "--password", "wonderland"]);

        var (code, output, error) = await RunAsync(["remove", "mallory"]);

        Assert.Equal((1, ""), (code, output));
        Assert.Contains("no user 'mallory'", error);
        Assert.True(await VerifyAsync("alice", "wonderland"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("add")]
    [InlineData("add alice bob")]
    [InlineData("remove")]
    [InlineData("list extra")]
    [InlineData("rename alice bob")]
    public async Task Bad_usage_exits_2_with_the_usage(string words)
    {
        var (code, output, error) = await RunAsync([.. words.Split(' ', StringSplitOptions.RemoveEmptyEntries), "--password", "pw"]);

        Assert.Equal((2, ""), (code, output));
        Assert.Contains("usage: herald user add NAME", error);
        Assert.Equal((0, "", ""), await RunAsync(["list"]));
    }

    [Theory]
    [InlineData("")]
    [InlineData("ali:ce")]
    [InlineData(":")]
    public async Task Invalid_user_name_exits_2_naming_it(string name)
    {
        var (code, output, error) = await RunAsync(["add", name, "--password", "pw"]);

        Assert.Equal((2, ""), (code, output));
        Assert.Contains($"'{name}' is not a valid user name", error);
        Assert.Equal((0, "", ""), await RunAsync(["list"]));
    }

    [Fact]
    public async Task User_name_longer_than_mqtt_allows_exits_2()
    {
        var (code, _, error) = await RunAsync(["add", new string('é', 40_000), "--password", "pw"]); // 80,000 UTF-8 bytes

        Assert.Equal(2, code);
        Assert.Contains("is not a valid user name", error);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n")]
    public async Task Add_without_a_password_exits_2_and_stores_nothing(string input)
    {
        var (code, output, error) = await RunAsync(["add", "alice"], input);

        Assert.Equal((2, ""), (code, output));
        Assert.Contains("a password is needed", error);
        Assert.Null(await HashOfAsync("alice"));
    }

    [Fact]
    public async Task Password_option_without_its_value_does_not_take_the_next_configuration_switch_as_the_password()
    {
        // "herald user add alice --password --Herald:DataDir=/srv/herald": the value was forgotten.
        // Taking the switch as the password would store a password nobody chose, in ./data rather
        // than the directory meant (here the switch is given twice, so this test writes only to its own).
        var (code, output, error) = await RunAsync(["add", "alice", "--password", $"--Herald:DataDir={_dataDir}"]);

        Assert.True(code == 2, $"exit {code}; stdout: {output}; stderr: {error}");
        Assert.Null(await HashOfAsync("alice"));
    }

    [Fact]
    public async Task Invalid_configuration_exits_2_naming_the_key()
    {
        var (code, _, error) = await RunAsync(["list", "--Herald:Mqtt:Port=0"]);

        Assert.Equal(2, code);
        Assert.Contains("Herald:Mqtt:Port", error);
    }

    [Fact]
    public async Task Executable_manages_users_that_a_running_server_requires()
    {
        var (added, addition) = await HeraldExecutable.RunAsync(["user", "add", "alice", $"--Herald:DataDir={_dataDir}"], standardInput: "wonderland\n");
        await using (addition)
            Assert.True(added == 0, addition.Transcript);
        var (listed, listing) = await HeraldExecutable.RunAsync(["user", "list", $"--Herald:DataDir={_dataDir}"]);
        await using (listing)
        {
            Assert.True(listed == 0, listing.Transcript);
            Assert.Equal("alice", await listing.WaitForLineAsync(_ => true));
        }

        var mqttPort = HeraldServer.FreePort();
        await using var herald = HeraldExecutable.Start([.. HeraldServer.Arguments(mqttPort, HeraldServer.FreePort()), $"--Herald:DataDir={_dataDir}",
            PasswordRequiredServer.AllowAnonymousFalse, "--Logging:LogLevel:Default=Information"]);
        Assert.Contains("Authentication: username and password required (1 users",
            await herald.WaitForLineAsync(l => l.Contains("Authentication:", StringComparison.Ordinal)));
        await herald.WaitForLineAsync(l => l.Contains("Herald listening", StringComparison.Ordinal));

        Assert.Equal((MqttClientConnectResultCode.Success, true), await Credentials.TryConnectAsync(mqttPort, MqttProtocolVersion.V311, "alice", "wonderland"));
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await Credentials.TryConnectAsync(mqttPort, MqttProtocolVersion.V311, "alice", "Wonderland")).Code);

        var (removed, removal) = await HeraldExecutable.RunAsync(["user", "remove", "alice", $"--Herald:DataDir={_dataDir}"]);
        await using (removal)
            Assert.True(removed == 0, removal.Transcript);

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await Credentials.TryConnectAsync(mqttPort, MqttProtocolVersion.V311, "alice", "wonderland")).Code);
        await herald.TerminateAsync();
        Assert.True(await herald.WaitForExitAsync() == 0, herald.Transcript);
    }

    [Fact]
    public async Task Executable_removing_an_unknown_user_exits_1()
    {
        var (code, process) = await HeraldExecutable.RunAsync(["user", "remove", "mallory", $"--Herald:DataDir={_dataDir}"]);
        await using (process)
        {
            Assert.Equal(1, code);
            Assert.Contains("mallory", process.ErrorOutput);
        }
    }

    private async Task<(int Code, string Output, string Error)> RunAsync(string[] args, string input = "")
    {
        var output = new StringWriter { NewLine = "\n" };
        var error = new StringWriter { NewLine = "\n" };
        var code = await UserCommand.RunAsync([.. args, $"--Herald:DataDir={_dataDir}"], new StringReader(input), output, error);
        return (code, output.ToString(), error.ToString());
    }

    private async Task<string?> HashOfAsync(string user) =>
        await SqliteAuthStore.Open(Path.Combine(_dataDir, "auth.db"), TimeProvider.System).FindPasswordHashAsync(user, CancellationToken.None);

    private async Task<bool> VerifyAsync(string user, string password) =>
        await HashOfAsync(user) is { } hash && PasswordHash.Verify(password, hash);
}

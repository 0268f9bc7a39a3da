namespace Herald.Server.Tests.Acl;

/// <summary>
/// <c>herald acl add | list | remove</c> on a data directory of its own: rules go in with an id,
/// are listed as <c>id, subject, access, filter</c> and come out by id; a bad command line is
/// refused with exit code 2 and a message naming the problem, and changes nothing.
/// </summary>
public sealed class AclCommandTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("herald-acl-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact]
    public async Task Rules_are_added_listed_and_removed()
    {
        var added = await Cli.AclAsync(_dataDir, "add", "--user", "alice", "--topic", "users/%u/#", "--access", "readwrite");
        await Cli.AddRuleAsync(_dataDir, "--everyone", "--topic", "news/#", "--access", "read");
        await Cli.AddRuleAsync(_dataDir, "--client", "sensor-*", "--topic", "sensors/%c", "--access", "write");
        await Cli.AddRuleAsync(_dataDir, "--user=bob", "--topic=secret/#", "--access=deny");

        Assert.Equal((0, "rule 1 added: user alice readwrite users/%u/#"), (added.ExitCode, added.Output.Trim()));
        var listed = await Cli.AclAsync(_dataDir, "list");
        Assert.Equal(0, listed.ExitCode);
        Assert.Equal(
            ["1\tuser alice readwrite users/%u/#", "2\teveryone read news/#", "3\tclient sensor-* write sensors/%c", "4\tuser bob deny secret/#"],
            Lines(listed.Output));

        var removed = await Cli.AclAsync(_dataDir, "remove", "2");

        Assert.Equal((0, "rule 2 removed"), (removed.ExitCode, removed.Output.Trim()));
        Assert.Equal(
            ["1\tuser alice readwrite users/%u/#", "3\tclient sensor-* write sensors/%c", "4\tuser bob deny secret/#"],
            Lines((await Cli.AclAsync(_dataDir, "list")).Output));
    }

    [Fact]
    public async Task List_of_a_new_data_directory_is_empty()
    {
        var listed = await Cli.AclAsync(_dataDir, "list");

        Assert.Equal((0, ""), (listed.ExitCode, listed.Output));
    }

    [Fact]
    public async Task Removing_an_unknown_rule_exits_1()
    {
        await Cli.AddRuleAsync(_dataDir, "--everyone", "--topic", "#", "--access", "read");

        var removed = await Cli.AclAsync(_dataDir, "remove", "999");

        Assert.Equal(1, removed.ExitCode);
        Assert.Contains("999", removed.Error);
        Assert.Single(Lines((await Cli.AclAsync(_dataDir, "list")).Output));
    }

    [Theory]
    [InlineData("rw")]
    [InlineData("all")]
    [InlineData("")]
    [InlineData("1")] // a number that is an enum value is still not an access name
    [InlineData("4")]
    public async Task Bad_access_exits_2_naming_it(string access)
    {
        var result = await Cli.AclAsync(_dataDir, "add", "--everyone", "--topic", "t", "--access", access);

        AssertRefused(result, "--access");
        Assert.Contains($"'{access}'", result.Error);
        await AssertNoRulesAsync();
    }

    [Fact]
    public async Task Missing_access_exits_2_naming_it()
    {
        var result = await Cli.AclAsync(_dataDir, "add", "--everyone", "--topic", "t");

        AssertRefused(result, "--access");
        await AssertNoRulesAsync();
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [Trait("Spec", "MQTT-4.7.1-3")]
    [InlineData("a/#/b")]
    [InlineData("a#")]
    [InlineData("a/b+")]
    [InlineData("")]
    public async Task Bad_topic_filter_exits_2_naming_it(string topic)
    {
        var result = await Cli.AclAsync(_dataDir, "add", "--everyone", "--topic", topic, "--access", "read");

        AssertRefused(result, "--topic");
        Assert.Contains($"'{topic}'", result.Error);
        await AssertNoRulesAsync();
    }

    [Fact]
    public async Task Missing_topic_exits_2_naming_it()
    {
        var result = await Cli.AclAsync(_dataDir, "add", "--everyone", "--access", "read");

        AssertRefused(result, "--topic");
        await AssertNoRulesAsync();
    }

    [Fact]
    public async Task Missing_subject_exits_2_naming_the_choices()
    {
        var result = await Cli.AclAsync(_dataDir, "add", "--topic", "t", "--access", "read");

        AssertRefused(result, "--user");
        Assert.Contains("--client", result.Error);
        Assert.Contains("--everyone", result.Error);
        await AssertNoRulesAsync();
    }

    [Fact]
    public async Task Two_subjects_exit_2()
    {
        var result = await Cli.AclAsync(_dataDir, "add", "--user", "alice", "--everyone", "--topic", "t", "--access", "read");

        AssertRefused(result, "exactly one");
        await AssertNoRulesAsync();
    }

    [Theory]
    [InlineData("--user=")]
    [InlineData("--client=")]
    public async Task Empty_user_or_client_exits_2_naming_it(string subject)
    {
        var result = await Cli.AclAsync(_dataDir, "add", subject, "--topic", "t", "--access", "read");

        AssertRefused(result, subject.TrimEnd('='));
        await AssertNoRulesAsync();
    }

    [Theory]
    [InlineData("remove", "abc")]
    [InlineData("remove")]
    [InlineData("drop", "1")]
    public async Task Unknown_or_incomplete_command_exits_2_with_the_usage(params string[] args)
    {
        var result = await Cli.AclAsync(_dataDir, args);

        AssertRefused(result, "usage");
    }

    private static void AssertRefused(Cli.Result result, string naming)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains(naming, result.Error);
        Assert.Equal("", result.Output);
    }

    private async Task AssertNoRulesAsync() =>
        Assert.Empty(Lines((await Cli.AclAsync(_dataDir, "list")).Output));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

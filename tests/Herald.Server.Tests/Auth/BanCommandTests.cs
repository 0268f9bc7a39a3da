using Herald.Server.Cli;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;

namespace Herald.Server.Tests.Auth;

/// <summary><c>herald ban ...</c> beside a live server: the banned client is closed at once and refused after.</summary>
public sealed class BanCommandTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    public async Task Ban_added_by_the_cli_closes_the_connected_client_and_refuses_it_until_removed()
    {
        var clientId = Unique.ClientId("banned");
        await using var client = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithProtocolVersion(MqttProtocolVersion.V500));

        var added = await BanAsync("add", "--client", clientId, "--for", "1h", "--reason", "test");
        Assert.True(added.Code == 0, added.Error);
        await client.Disconnected.WaitAsync(Wait.Bound); // the server polls the bans every second

        Assert.Equal(MqttClientConnectResultCode.Banned, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V500, null, null, clientId: clientId)).Code);

        var id = added.Output.Split(' ')[1];
        Assert.Equal(0, (await BanAsync("remove", id)).Code);
        var deadline = DateTime.UtcNow + Wait.Bound;
        var result = MqttClientConnectResultCode.Banned;
        while (result == MqttClientConnectResultCode.Banned && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            result = (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V500, null, null, clientId: clientId)).Code;
        }
        Assert.Equal(MqttClientConnectResultCode.Success, result);
    }


    [Theory]
    [InlineData(new[] { "add" }, "say whom to ban")]
    [InlineData(new[] { "add", "--address", "not-an-ip" }, "--address must be an IP address")]
    [InlineData(new[] { "add", "--user", "bob", "--for", "soon" }, "--for must be a number")]
    [InlineData(new[] { "frobnicate" }, "usage")]
    public async Task Bad_ban_command_exits_2_naming_the_problem(string[] args, string expected)
    {
        var result = await BanAsync(args);

        Assert.Equal(2, result.Code);
        Assert.Contains(expected, result.Error);
    }

    [Fact]
    public async Task Removing_an_unknown_ban_exits_1()
    {
        var result = await BanAsync("remove", "999999");

        Assert.Equal(1, result.Code);
        Assert.Contains("there is no ban 999999", result.Error);
    }

    private async Task<(int Code, string Output, string Error)> BanAsync(params string[] args)
    {
        using StringWriter output = new(), error = new();
        var code = await BanCommand.RunAsync([.. args, $"--Herald:DataDir={server.DataDir}"], output, error);
        return (code, output.ToString(), error.ToString());
    }
}

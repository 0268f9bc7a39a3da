using Herald.Server.Cli;
using Herald.Server.Tests.Auth;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;

namespace Herald.Server.Tests.AuthStores;

/// <summary>A server and the CLI on <c>Herald:Auth:Provider=Redis</c>: users and rules shared through Redis.</summary>
public sealed class RedisProviderTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task User_added_by_the_cli_in_redis_logs_in_to_a_server_reading_redis()
    {
        string[] provider = ["--Herald:Auth:Provider=Redis", $"--Herald:Redis:Configuration={redis.Configuration}"];
        await using var server = await HeraldServer.StartAsync(null, null, ["--Herald:Auth:AllowAnonymous=false", .. provider]);
        var name = Unique.ClientId("redisuser");
        using (StringWriter output = new(), error = new())
            Assert.Equal(0, await UserCommand.RunAsync(["add", name, "--password", "pw", .. provider], TextReader.Null, output, error));

        Assert.Equal(MqttClientConnectResultCode.Success, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V500, name, "pw")).Code);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V500, name, "wrong")).Code);
    }

    [Fact]
    public async Task Unreachable_redis_stops_the_cli_with_exit_2_naming_the_setting()
    {
        using StringWriter output = new(), error = new();

        var code = await UserCommand.RunAsync(["list", "--Herald:Auth:Provider=Redis", "--Herald:Redis:Configuration=127.0.0.1:1"], TextReader.Null, output, error);

        Assert.Equal(2, code);
        Assert.Contains("Herald:Redis:Configuration", error.ToString());
    }

}

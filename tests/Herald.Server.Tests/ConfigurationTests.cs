using Herald.Server.Configuration;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests;

/// <summary>Invalid configuration stops the host before it binds, with a message naming the key and value.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("herald-config-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Theory]
    [InlineData("--Herald:Mqtt:Port=0", "Herald:Mqtt:Port", "0")]
    [InlineData("--Herald:Mqtt:Port=65536", "Herald:Mqtt:Port", "65536")]
    [InlineData("--Herald:Mqtt:Port=abc", "Herald:Mqtt:Port", "abc")]
    [InlineData("--Herald:Mqtt:Address=nonsense", "Herald:Mqtt:Address", "nonsense")]
    [InlineData("--Herald:Http:Address=300.1.1.1", "Herald:Http:Address", "300.1.1.1")]
    [InlineData("--Herald:Http:Port=-1", "Herald:Http:Port", "-1")]
    [InlineData("--Herald:Mqtt:ConnectTimeoutSeconds=0", "Herald:Mqtt:ConnectTimeoutSeconds", "0")]
    [InlineData("--Herald:Mqtt:MaxInflightMessages=0", "Herald:Mqtt:MaxInflightMessages", "0")]
    [InlineData("--Herald:Mqtt:MaxPacketSize=1", "Herald:Mqtt:MaxPacketSize", "1")]
    [InlineData("--Herald:Sys:IntervalSeconds=-1", "Herald:Sys:IntervalSeconds", "-1")]
    [InlineData("--Herald:HotTopics:Capacity=1", "Herald:HotTopics:Capacity", "1")]
    [InlineData("--Herald:Inbox:MaxMessages=-5", "Herald:Inbox:MaxMessages", "-5")]
    [InlineData("--Herald:Inbox:RetentionSeconds=0", "Herald:Inbox:RetentionSeconds", "0")]
    [InlineData("--Herald:Push:UserTopic=users/+/inbox", "Herald:Push:UserTopic", "users/+/inbox")]
    [InlineData("--Herald:Push:ClientTopic=$SYS/x", "Herald:Push:ClientTopic", "$SYS/x")]
    [InlineData("--Herald:Http:ApiKeys:0:Key=short", "Herald:Http:ApiKeys:0:Key", "16 characters")]
    [InlineData("--Herald:Http:ApiKeys:0:Scopes:0=everything", "Herald:Http:ApiKeys:0:Scopes", "everything")]
    public void Invalid_value_is_refused_naming_the_key_and_value(string argument, string key, string value)
    {
        var args = HeraldServer.Arguments(HeraldServer.FreePort(), HeraldServer.FreePort() + 1, argument);

        var e = Assert.Throws<ConfigurationException>(() => HeraldHost.Build(args));

        Assert.Contains(key, e.Message);
        Assert.Contains(value, e.Message);
    }

    [Fact]
    public void Same_port_for_mqtt_and_http_is_refused()
    {
        var port = HeraldServer.FreePort();

        var e = Assert.Throws<ConfigurationException>(() => HeraldHost.Build(HeraldServer.Arguments(port, port)));

        Assert.Contains("Herald:Mqtt:Port", e.Message);
        Assert.Contains("Herald:Http:Port", e.Message);
    }

    [Fact]
    public void Several_invalid_values_are_all_named()
    {
        var args = HeraldServer.Arguments(0, 0, "--Herald:Mqtt:Address=nonsense", "--Herald:Http:Address=elsewhere");

        var e = Assert.Throws<ConfigurationException>(() => HeraldHost.Build(args));

        Assert.Contains("Herald:Mqtt:Port", e.Message);
        Assert.Contains("Herald:Mqtt:Address", e.Message);
        Assert.Contains("Herald:Http:Address", e.Message);
    }

    [Fact]
    public async Task Valid_configuration_builds()
    {
        await using var app = HeraldHost.Build(HeraldServer.Arguments(HeraldServer.FreePort(), HeraldServer.FreePort() + 1, $"--Herald:DataDir={_dataDir}"));

        Assert.NotNull(app.Services.GetService(typeof(Broker.Broker)));
    }
}

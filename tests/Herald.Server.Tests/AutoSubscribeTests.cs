using Herald.Server.Configuration;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary><c>Herald:AutoSubscribe</c>: a device that never subscribes still gets what is pushed to its inbox.</summary>
public sealed class AutoSubscribeTests
{
    [Fact]
    public async Task Client_that_never_subscribed_receives_what_is_pushed_to_its_configured_inbox()
    {
        await using var server = await HeraldServer.StartAsync(null, null,
            "--Herald:AutoSubscribe:0:Topic=users/${username}/inbox", "--Herald:AutoSubscribe:0:Qos=1");
        var user = Unique.ClientId("alice");
        await using var device = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("phone"), o => o.WithCredentials(user, "any"));

        await Mosquitto.PublishAsync(server.MqttPort, $"users/{user}/inbox", "you have mail", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(new Received($"users/{user}/inbox", "you have mail", 1, false), await device.ReceiveAsync());
    }

    [Theory]
    [InlineData("--Herald:AutoSubscribe:0:Topic=users/#/inbox", "Herald:AutoSubscribe:0:Topic")]
    [InlineData("--Herald:AutoSubscribe:0:Qos=3", "Herald:AutoSubscribe:0:Qos")]
    public void Invalid_auto_subscription_is_refused_naming_the_key(string argument, string key)
    {
        string[] args = argument.Contains(":Qos", StringComparison.Ordinal) ? [argument, "--Herald:AutoSubscribe:0:Topic=ok"] : [argument];

        var e = Assert.Throws<ConfigurationException>(() => HeraldHost.Build(HeraldServer.Arguments(HeraldServer.FreePort(), HeraldServer.FreePort(), args)));

        Assert.Contains(key, e.Message);
    }
}

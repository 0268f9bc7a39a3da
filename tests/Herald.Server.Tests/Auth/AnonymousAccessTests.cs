using Herald.Broker.Auth;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Auth;

/// <summary>
/// The default: every listener on loopback and Herald:Auth:AllowAnonymous unset, so anonymous
/// clients get in; with no user defined a username is not checked (Mosquitto without a password file).
/// </summary>
public sealed class AnonymousAccessTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task With_no_users_a_client_giving_any_username_connects_and_exchanges_a_message(MqttProtocolVersion version)
    {
        var topic = Unique.Topic("anon");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"), o => o.WithCredentials("whoever", "whatever").WithProtocolVersion(version));
        Assert.Equal(MqttClientConnectResultCode.Success, subscriber.ConnectResult.ResultCode);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await using (var publisher = ClientProcess.Start("/usr/bin/mosquitto_pub",
            ["-h", "127.0.0.1", "-p", server.MqttPort.ToString(), "-i", Unique.ClientId("mpub"), "-t", topic, "-q", "1", "-m", "named", "-u", "somebody", "-P", "anything"]))
            await publisher.ExpectSuccessAsync();

        Assert.Equal(new Received(topic, "named", 1, false), await subscriber.ReceiveAsync());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task With_no_users_a_client_without_username_connects(MqttProtocolVersion version)
    {
        Assert.Equal((MqttClientConnectResultCode.Success, true), await Credentials.TryConnectAsync(server.MqttPort, version, null, null));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Once_users_exist_a_username_must_match_while_anonymous_clients_still_connect(MqttProtocolVersion version)
    {
        await using var own = await HeraldServer.StartAsync();
        await own.App.Services.GetRequiredService<IUserStore>().SaveUserAsync("alice", PasswordHash.Create("wonderland"), CancellationToken.None);

        Assert.Equal((MqttClientConnectResultCode.Success, true), await Credentials.TryConnectAsync(own.MqttPort, version, null, null));
        Assert.Equal((MqttClientConnectResultCode.Success, true), await Credentials.TryConnectAsync(own.MqttPort, version, "alice", "wonderland"));
        Assert.Equal((MqttClientConnectResultCode.BadUserNameOrPassword, false), await Credentials.TryConnectAsync(own.MqttPort, version, "alice", "Wonderland"));
        Assert.Equal((MqttClientConnectResultCode.BadUserNameOrPassword, false), await Credentials.TryConnectAsync(own.MqttPort, version, "whoever", "whatever"));
    }
}

using Herald.Protocol;
using Herald.Server.Cli;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Auth;

/// <summary>
/// A server with <c>Herald:Auth:AllowAnonymous=false</c>, as real clients meet it: the right
/// username and password connect, anything else gets CONNACK 0x86 Bad user name or password
/// (3.1.1: 0x04) or, with no username, 0x87 Not authorized (3.1.1: 0x05), and the connection closes.
/// </summary>
public sealed class PasswordAuthenticationTests(PasswordRequiredServer server) : IClassFixture<PasswordRequiredServer>
{
    private const string Password = "s3cret pässword";

    public enum Refusal
    {
        WrongPassword,
        UnknownUser,
        UsernameWithoutPassword,
    }

    // ---- exact bytes ----

    [Fact]
    public async Task Right_credentials_are_accepted_with_connack_0()
    {
        var user = await server.AddUserAsync("raw", Password);
        using var client = await RawClient.ConnectAsync(server.MqttPort);

        await client.SendAsync(Credentials.Connect(ProtocolVersion.V311, Unique.ClientId("raw"), user, Password));

        Assert.Equal(Packets.ConnAckAccepted, await client.ReadPacketAsync());
    }

    [Theory]
    [InlineData(Refusal.WrongPassword)]
    [InlineData(Refusal.UnknownUser)]
    [InlineData(Refusal.UsernameWithoutPassword)]
    [Trait("Spec", "MQTT-3.2.2-4")]
    [Trait("Spec", "MQTT-3.2.2-5")]
    public async Task Mqtt311_bad_credentials_get_return_code_4_and_close(Refusal refusal)
    {
        var (user, password) = await BadCredentialsAsync(refusal);
        using var client = await RawClient.ConnectAsync(server.MqttPort);

        await client.SendAsync(Credentials.Connect(ProtocolVersion.V311, Unique.ClientId("raw"), user, password));

        // CONNACK, session present 0, 0x04 Connection Refused, bad user name or password; then the server closes.
        Assert.Equal([0x20, 0x02, 0x00, 0x04], await client.ReadUntilClosedAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-4")]
    [Trait("Spec", "MQTT-3.2.2-5")]
    public async Task Mqtt311_connect_without_username_gets_return_code_5_and_close()
    {
        await server.AddUserAsync("raw", Password);
        using var client = await RawClient.ConnectAsync(server.MqttPort);

        await client.SendAsync(Credentials.Connect(ProtocolVersion.V311, Unique.ClientId("raw"), null, null));

        Assert.Equal([0x20, 0x02, 0x00, 0x05], await client.ReadUntilClosedAsync());
    }

    [Theory]
    [InlineData(Refusal.WrongPassword)]
    [InlineData(Refusal.UnknownUser)]
    [InlineData(Refusal.UsernameWithoutPassword)]
    [Trait("Spec", "MQTT-3.1.4-2")]
    [Trait("Spec", "MQTT-3.2.2-6")]
    [Trait("Spec", "MQTT-3.2.2-7")]
    public async Task Mqtt5_bad_credentials_get_reason_0x86_and_close(Refusal refusal)
    {
        var (user, password) = await BadCredentialsAsync(refusal);
        using var client = await RawClient.ConnectAsync(server.MqttPort);

        await client.SendAsync(Credentials.Connect(ProtocolVersion.V500, Unique.ClientId("raw5"), user, password));

        var connAck = await client.ReadPacketAsync();
        Assert.Equal((0x20, 0x00, 0x86), (connAck[0], connAck[2], connAck[3])); // CONNACK, session present 0, Bad User Name or Password
        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    [Trait("Spec", "MQTT-3.2.2-6")]
    [Trait("Spec", "MQTT-3.2.2-7")]
    public async Task Mqtt5_connect_without_username_gets_reason_0x87_and_close()
    {
        await server.AddUserAsync("raw", Password);
        using var client = await RawClient.ConnectAsync(server.MqttPort);

        await client.SendAsync(Credentials.Connect(ProtocolVersion.V500, Unique.ClientId("raw5"), null, null));

        var connAck = await client.ReadPacketAsync();
        Assert.Equal((0x20, 0x00, 0x87), (connAck[0], connAck[2], connAck[3])); // CONNACK, session present 0, Not authorized
        Assert.Empty(await client.ReadUntilClosedAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-5")]
    public async Task Publish_sent_behind_a_refused_connect_is_not_delivered()
    {
        var user = await server.AddUserAsync("raw", Password);
        var topic = Unique.Topic("smuggle");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"), o => o.WithCredentials(user, Password));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        using (var intruder = await RawClient.ConnectAsync(server.MqttPort))
        {
            await intruder.SendAsync(Packets.Concat(
                Credentials.Connect(ProtocolVersion.V311, Unique.ClientId("raw"), user, "guess"),
                Packets.Publish(topic, "smuggled")));
            Assert.Equal([0x20, 0x02, 0x00, 0x04], await intruder.ReadUntilClosedAsync());
        }
        await using (var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("pub"), o => o.WithCredentials(user, Password)))
            await publisher.PublishAsync(topic, "marker", MqttQualityOfServiceLevel.AtLeastOnce);

        // Published after the intruder's connection closed: had "smuggled" been routed, it would come first.
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }

    // ---- MQTTnet ----

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task MqttNet_client_with_right_credentials_exchanges_a_message(MqttProtocolVersion version)
    {
        var user = await server.AddUserAsync("mnet", Password);
        var topic = Unique.Topic("auth");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"), o => o.WithCredentials(user, Password).WithProtocolVersion(version));
        Assert.Equal(MqttClientConnectResultCode.Success, subscriber.ConnectResult.ResultCode);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("pub"), o => o.WithCredentials(user, Password).WithProtocolVersion(version));

        await publisher.PublishAsync(topic, "authenticated", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(new Received(topic, "authenticated", 1, false), await subscriber.ReceiveAsync());
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311, Refusal.WrongPassword)]
    [InlineData(MqttProtocolVersion.V311, Refusal.UnknownUser)]
    [InlineData(MqttProtocolVersion.V500, Refusal.WrongPassword)]
    [InlineData(MqttProtocolVersion.V500, Refusal.UnknownUser)]
    [Trait("Spec", "MQTT-3.1.4-2")]
    public async Task MqttNet_client_with_bad_credentials_is_refused_bad_user_name_or_password(MqttProtocolVersion version, Refusal refusal)
    {
        var (user, password) = await BadCredentialsAsync(refusal);

        var (code, connected) = await Credentials.TryConnectAsync(server.MqttPort, version, user, password);

        Assert.Equal((MqttClientConnectResultCode.BadUserNameOrPassword, false), (code, connected));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    [Trait("Spec", "MQTT-3.1.4-2")]
    public async Task MqttNet_client_without_username_is_refused_not_authorized(MqttProtocolVersion version)
    {
        var (code, connected) = await Credentials.TryConnectAsync(server.MqttPort, version, null, null);

        Assert.Equal((MqttClientConnectResultCode.NotAuthorized, false), (code, connected));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task Mqtt_over_websocket_asks_for_the_same_credentials(MqttProtocolVersion version)
    {
        var user = await server.AddUserAsync("ws", Password);

        Assert.Equal((MqttClientConnectResultCode.Success, true), await Credentials.TryConnectAsync(server.HttpPort, version, user, Password, webSocket: true));
        Assert.Equal((MqttClientConnectResultCode.BadUserNameOrPassword, false), await Credentials.TryConnectAsync(server.HttpPort, version, user, "guess", webSocket: true));
        Assert.Equal((MqttClientConnectResultCode.NotAuthorized, false), await Credentials.TryConnectAsync(server.HttpPort, version, null, null, webSocket: true));
    }

    // ---- mosquitto_pub ----

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task Mosquitto_pub_with_right_credentials_delivers(string version)
    {
        var user = await server.AddUserAsync("mpub", Password);
        var topic = Unique.Topic("auth");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"), o => o.WithCredentials(user, Password));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await using (var publisher = MosquittoPub(version, topic, "from mosquitto_pub", user, Password))
            await publisher.ExpectSuccessAsync();

        Assert.Equal(new Received(topic, "from mosquitto_pub", 1, false), await subscriber.ReceiveAsync());
    }

    [Theory]
    [InlineData("mqttv311", Refusal.WrongPassword)]
    [InlineData("mqttv311", Refusal.UnknownUser)]
    [InlineData("mqttv5", Refusal.WrongPassword)]
    [InlineData("mqttv5", Refusal.UnknownUser)]
    public async Task Mosquitto_pub_with_bad_credentials_is_refused_bad_user_name_or_password(string version, Refusal refusal)
    {
        var (user, password) = await BadCredentialsAsync(refusal);

        await using var publisher = MosquittoPub(version, Unique.Topic("auth"), "refused", user, password);

        Assert.NotEqual(0, await publisher.WaitForExitAsync());
        Assert.Contains("bad user name or password", publisher.ErrorOutput.Replace("username", "user name"), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("mqttv311")]
    [InlineData("mqttv5")]
    public async Task Mosquitto_pub_without_username_is_refused_not_authorized(string version)
    {
        await using var publisher = MosquittoPub(version, Unique.Topic("auth"), "refused", null, null);

        Assert.NotEqual(0, await publisher.WaitForExitAsync());
        Assert.Contains("not authori", publisher.ErrorOutput, StringComparison.OrdinalIgnoreCase);
    }

    // ---- paho ----

    [Theory]
    [InlineData("311")]
    [InlineData("5")]
    public async Task Paho_client_with_right_credentials_delivers(string version)
    {
        var user = await server.AddUserAsync("paho", Password);
        var topic = Unique.Topic("auth");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"), o => o.WithCredentials(user, Password));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await using (var paho = PahoCredentials.Publish(server.MqttPort, version, topic, "from paho", user, Password))
        {
            Assert.Equal("CONNACK|0", await paho.WaitForLineAsync(l => l.StartsWith("CONNACK|", StringComparison.Ordinal)));
            await paho.WaitForLineAsync(l => l == "PUBLISHED");
            await paho.ExpectSuccessAsync();
        }

        Assert.Equal(new Received(topic, "from paho", 1, false), await subscriber.ReceiveAsync());
    }

    [Theory]
    [InlineData("311", Refusal.WrongPassword, 4)]
    [InlineData("311", Refusal.UnknownUser, 4)]
    [InlineData("5", Refusal.WrongPassword, 0x86)]
    [InlineData("5", Refusal.UnknownUser, 0x86)]
    [Trait("Spec", "MQTT-3.2.2-5")]
    [Trait("Spec", "MQTT-3.2.2-7")]
    public async Task Paho_client_with_bad_credentials_is_refused_and_disconnected(string version, Refusal refusal, int expected)
    {
        var (user, password) = await BadCredentialsAsync(refusal);

        await using var paho = PahoCredentials.Publish(server.MqttPort, version, Unique.Topic("auth"), "refused", user, password);

        Assert.Equal($"CONNACK|{expected}", await paho.WaitForLineAsync(l => l.StartsWith("CONNACK|", StringComparison.Ordinal)));
        await paho.WaitForLineAsync(l => l == "CLOSED");
    }

    [Theory]
    [InlineData("311", 5)]
    [InlineData("5", 0x87)]
    [Trait("Spec", "MQTT-3.2.2-5")]
    [Trait("Spec", "MQTT-3.2.2-7")]
    public async Task Paho_client_without_username_is_refused_not_authorized_and_disconnected(string version, int expected)
    {
        await using var paho = PahoCredentials.Publish(server.MqttPort, version, Unique.Topic("auth"), "refused", null, null);

        Assert.Equal($"CONNACK|{expected}", await paho.WaitForLineAsync(l => l.StartsWith("CONNACK|", StringComparison.Ordinal)));
        await paho.WaitForLineAsync(l => l == "CLOSED");
    }

    // ---- users changed while the server runs ----

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task User_added_by_the_cli_while_the_server_runs_connects_at_once(MqttProtocolVersion version)
    {
        var user = $"late-{Guid.NewGuid():N}"[..16];
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await Credentials.TryConnectAsync(server.MqttPort, version, user, Password)).Code);

        Assert.Equal(0, await RunUserCommandAsync(["add", user, "--password", Password]));

        Assert.Equal((MqttClientConnectResultCode.Success, true), await Credentials.TryConnectAsync(server.MqttPort, version, user, Password));
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    public async Task User_removed_by_the_cli_while_the_server_runs_cannot_connect_again(MqttProtocolVersion version)
    {
        var user = await server.AddUserAsync("gone", Password);
        Assert.Equal(MqttClientConnectResultCode.Success, (await Credentials.TryConnectAsync(server.MqttPort, version, user, Password)).Code);

        Assert.Equal(0, await RunUserCommandAsync(["remove", user]));

        Assert.Equal((MqttClientConnectResultCode.BadUserNameOrPassword, false), await Credentials.TryConnectAsync(server.MqttPort, version, user, Password));
    }

    [Fact]
    public async Task Password_changed_by_the_cli_while_the_server_runs_replaces_the_old_one()
    {
        var user = await server.AddUserAsync("change", Password);
        Assert.Equal(MqttClientConnectResultCode.Success, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V311, user, Password)).Code);

        Assert.Equal(0, await RunUserCommandAsync(["add", user, "--password", "another one"]));

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V311, user, Password)).Code);
        Assert.Equal(MqttClientConnectResultCode.Success, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V311, user, "another one")).Code);
    }

    /// <summary>Credentials the server must refuse: a real user's name with another password, a name no one has, or a name alone.</summary>
    private async Task<(string User, string? Password)> BadCredentialsAsync(Refusal refusal)
    {
        var user = await server.AddUserAsync("bad", Password);
        return refusal switch
        {
            Refusal.WrongPassword => (user, Password + "!"),
            Refusal.UnknownUser => ($"nobody-{Guid.NewGuid():N}", Password),
            _ => (user, null),
        };
    }

    private async Task<int> RunUserCommandAsync(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await UserCommand.RunAsync([.. args, $"--Herald:DataDir={server.DataDir}"], new StringReader(""), output, error);
        Assert.True(code == 0, $"herald user {string.Join(' ', args)} exited {code}: {output}{error}");
        return code;
    }

    private ClientProcess MosquittoPub(string version, string topic, string payload, string? user, string? password)
    {
        List<string> args = ["-h", "127.0.0.1", "-p", server.MqttPort.ToString(), "-V", version, "-i", Unique.ClientId("mpub"), "-t", topic, "-q", "1", "-m", payload];
        if (user is not null)
            args.AddRange(["-u", user]);
        if (password is not null)
            args.AddRange(["-P", password]);
        return ClientProcess.Start("/usr/bin/mosquitto_pub", args);
    }
}

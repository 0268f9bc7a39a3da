using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Acl;

/// <summary>
/// ACL rules added with <c>herald acl add</c> beside a running server, as real clients meet them:
/// MQTTnet 5 hears PUBACK/SUBACK 0x87, MQTTnet 3.1.1 and mosquitto_sub SUBACK 0x80, and nothing
/// refused is routed. Each test has a server of its own, since rules apply to every client.
/// </summary>
public abstract class AclSuite
{
    /// <summary>Switches that choose the auth store (none: auth.db in the data directory).</summary>
    protected virtual string[] ProviderSettings() => [];

    /// <summary>A server on a clean auth store, with the suite's provider.</summary>
    protected virtual Task<HeraldServer> StartServerAsync(params string[] args) => HeraldServer.StartAsync(null, null, [.. ProviderSettings(), .. args]);

    /// <summary>The switches the CLI needs to reach the server's auth store.</summary>
    protected string[] Settings(HeraldServer server) => [$"--Herald:DataDir={server.DataDir}", .. ProviderSettings()];

    private const string Password = "pässword 1";

    [Fact]
    public async Task User_readwrite_rule_with_percent_u_confines_a_user_to_its_own_tree()
    {
        await using var server = await StartServerAsync();
        await Cli.AddUserAsync(Settings(server), "alice", Password);
        await Cli.AddUserAsync(Settings(server), "bob", Password);
        await Cli.AddRuleAsync(Settings(server), "--user", "alice", "--topic", "users/%u/#", "--access", "readwrite");
        await Cli.AddRuleAsync(Settings(server), "--user", "bob", "--topic", "users/%u/#", "--access", "readwrite");
        await Cli.WaitForRulesAsync(server, 2);
        await using var alice = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("alice"), o => o.WithCredentials("alice", Password));
        await using var bob = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("bob"), o => o.WithCredentials("bob", Password));
        await bob.SubscribeAsync("users/bob/#", MqttQualityOfServiceLevel.AtLeastOnce);

        var subscribed = await alice.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("users/alice/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("users/bob/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("users/+/inbox", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());
        var intoBob = await alice.PublishAsync(Message("users/bob/inbox", "from alice"));
        var intoAlice = await alice.PublishAsync(Message("users/alice/notes", "mine"));
        await bob.PublishAsync("users/bob/inbox", "from bob", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(
            [MqttClientSubscribeResultCode.GrantedQoS1, MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.NotAuthorized],
            subscribed.Items.Select(i => i.ResultCode));
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, intoBob.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.Success, intoAlice.ReasonCode);
        Assert.Equal(("users/alice/notes", "mine"), await TopicAndPayloadAsync(alice));
        Assert.Equal(new Received("users/bob/inbox", "from bob", 1, false), await bob.ReceiveAsync());
    }

    [Fact]
    public async Task Everyone_read_rule_lets_mosquitto_sub_subscribe_but_not_an_anonymous_client_publish()
    {
        await using var server = await StartServerAsync();
        await Cli.AddRuleAsync(Settings(server), "--everyone", "--topic", "news/#", "--access", "read");
        await Cli.AddRuleAsync(Settings(server), "--client", "feed-*", "--topic", "news/#", "--access", "write");
        await Cli.WaitForRulesAsync(server, 2);
        await using var subscriber = await Mosquitto.SubscribeAsync(server.MqttPort, "news/#", MqttQualityOfServiceLevel.AtLeastOnce, count: 1);
        await using var anonymous = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("anon"));

        // MQTT 3.1.1 has no way to say no: the PUBACK is a plain one, and the message goes nowhere.
        await anonymous.PublishAsync("news/today", "not from the feed", MqttQualityOfServiceLevel.AtLeastOnce);
        await MosquittoPublishAsync(server.MqttPort, "feed-" + Guid.NewGuid().ToString("N")[..8], "news/today", "from the feed");

        Assert.Equal(new Received("news/today", "from the feed", 1, false), await subscriber.ReceiveAsync());
        await subscriber.ExpectSuccessAsync(); // it took exactly one message
    }

    [Fact]
    public async Task Client_id_pattern_rule_grants_the_clients_it_matches()
    {
        await using var server = await StartServerAsync();
        await Cli.AddRuleAsync(Settings(server), "--client", "sensor-*", "--topic", "sensors/%c", "--access", "write");
        await Cli.AddRuleAsync(Settings(server), "--everyone", "--topic", "sensors/+", "--access", "read");
        await Cli.WaitForRulesAsync(server, 2);
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("watch"));
        await subscriber.SubscribeAsync("sensors/+", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var sensor = await Mqtt5Client.ConnectAsync(server.MqttPort, "sensor-7");
        await using var probe = await Mqtt5Client.ConnectAsync(server.MqttPort, "probe-7");

        var foreign = await sensor.PublishAsync(Message("sensors/sensor-8", "not its own"));
        var impostor = await probe.PublishAsync(Message("sensors/probe-7", "no pattern"));
        var own = await sensor.PublishAsync(Message("sensors/sensor-7", "21.5"));

        Assert.Equal(
            [MqttClientPublishReasonCode.NotAuthorized, MqttClientPublishReasonCode.NotAuthorized, MqttClientPublishReasonCode.Success],
            new[] { foreign.ReasonCode, impostor.ReasonCode, own.ReasonCode });
        Assert.Equal(("sensors/sensor-7", "21.5"), await TopicAndPayloadAsync(subscriber));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.9.3-1")]
    public async Task Denied_subscription_gets_0x87_in_mqtt5_and_0x80_in_mqtt311_for_that_filter_only()
    {
        await using var server = await StartServerAsync();
        await Cli.AddRuleAsync(Settings(server), "--everyone", "--topic", "open/#", "--access", "read");
        await Cli.WaitForRulesAsync(server, 1);
        await using var v5 = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5"));
        await using var v311 = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("n3"));
        var filters = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("closed/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter("open/#", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();

        var five = await v5.SubscribeAsync(filters);
        using var cts = new CancellationTokenSource(Wait.Bound);
        var three = await v311.Client.SubscribeAsync(filters, cts.Token);

        Assert.Equal([MqttClientSubscribeResultCode.NotAuthorized, MqttClientSubscribeResultCode.GrantedQoS1], five.Items.Select(i => i.ResultCode));
        Assert.Equal([MqttClientSubscribeResultCode.UnspecifiedError, MqttClientSubscribeResultCode.GrantedQoS1], three.Items.Select(i => i.ResultCode));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.9.3-1")]
    public async Task Denied_subscription_is_reported_to_mosquitto_sub_as_0x80()
    {
        await using var server = await StartServerAsync();
        await Cli.AddRuleAsync(Settings(server), "--everyone", "--topic", "open/#", "--access", "read");
        await Cli.WaitForRulesAsync(server, 1);

        await using var subscriber = await Mosquitto.SubscribeAsync(server.MqttPort, "closed/#", MqttQualityOfServiceLevel.AtLeastOnce, count: 1, awaitSubAck: false);

        // With -d mosquitto_sub logs the granted QoS of each filter; 128 is 0x80 Failure.
        var line = await subscriber.WaitForLineAsync(l => l.StartsWith("Subscribed (mid", StringComparison.Ordinal));
        Assert.EndsWith(": 128", line);
    }

    [Fact]
    public async Task Publish_refused_is_accepted_once_acl_add_grants_it_and_refused_again_after_acl_remove()
    {
        await using var server = await StartServerAsync();
        await Cli.AddRuleAsync(Settings(server), "--everyone", "--topic", "#", "--access", "read");
        await Cli.WaitForRulesAsync(server, 1);
        var clientId = Unique.ClientId("pub");
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await publisher.PublishAsync(Message("t/x", "before"))).ReasonCode);

        await Cli.AddRuleAsync(Settings(server), "--client", clientId, "--topic", "t/#", "--access", "write");
        // The same connection, whose earlier refusal must not be remembered past the change.
        await PublishUntilAsync(publisher, "t/x", MqttClientPublishReasonCode.NoMatchingSubscribers);

        var listed = await Cli.AclAsync(Settings(server), "list");
        var id = listed.Output.Split('\n').Single(l => l.Contains(clientId)).Split('\t')[0];
        Assert.Equal(0, (await Cli.AclAsync(Settings(server), "remove", id)).ExitCode);
        await PublishUntilAsync(publisher, "t/x", MqttClientPublishReasonCode.NotAuthorized);
    }

    [Fact]
    public async Task Subscription_stops_receiving_a_topic_once_acl_add_denies_it()
    {
        await using var server = await StartServerAsync();
        await Cli.AddRuleAsync(Settings(server), "--everyone", "--topic", "a/#", "--access", "readwrite");
        await Cli.WaitForRulesAsync(server, 1);
        var subscriberId = Unique.ClientId("sub");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, subscriberId);
        await subscriber.SubscribeAsync("a/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("pub"));
        await publisher.PublishAsync("a/secret", "0", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received("a/secret", "0", 1, false), await subscriber.ReceiveAsync());

        await Cli.AddRuleAsync(Settings(server), "--client", subscriberId, "--topic", "a/secret", "--access", "deny");

        // Until the server reloads (within a second or so) a/secret still arrives; each round ends
        // with a marker on a/open, so a round without a/secret before its marker shows the deny in force.
        using var cts = new CancellationTokenSource(Wait.Bound);
        for (var round = 1; ; round++)
        {
            Assert.False(cts.IsCancellationRequested, $"a/secret still delivered after {Wait.Bound.TotalSeconds} s");
            await publisher.PublishAsync("a/secret", $"{round}", MqttQualityOfServiceLevel.AtLeastOnce);
            await publisher.PublishAsync("a/open", $"{round}", MqttQualityOfServiceLevel.AtLeastOnce);
            var first = await subscriber.ReceiveAsync();
            if (first.Topic == "a/open")
            {
                Assert.Equal($"{round}", first.Payload);
                break;
            }
            Assert.Equal(new Received("a/open", $"{round}", 1, false), await subscriber.ReceiveAsync());
            await Task.Delay(100, CancellationToken.None);
        }
        // And it stays in force: the other subscriber's messages still flow, the denied ones do not.
        await publisher.PublishAsync("a/secret", "last", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync("a/open", "last", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received("a/open", "last", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task Rules_in_the_auth_database_are_in_force_from_the_start()
    {
        var dataDir = Directory.CreateTempSubdirectory("herald-acl-").FullName;
        try
        {
            string[] settings = [$"--Herald:DataDir={dataDir}", .. ProviderSettings()];
            await Cli.AddRuleAsync(settings, "--everyone", "--topic", "open/#", "--access", "readwrite");
            await using var server = await StartServerAsync(settings);
            Assert.Single(server.Broker.Acl.Rules);
            await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5"));

            var closed = await client.PublishAsync(Message("closed/x", "refused"));
            var open = await client.PublishAsync(Message("open/x", "taken"));

            Assert.Equal((MqttClientPublishReasonCode.NotAuthorized, MqttClientPublishReasonCode.NoMatchingSubscribers), (closed.ReasonCode, open.ReasonCode));
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static MqttApplicationMessage Message(string topic, string payload) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static async Task<(string Topic, string Payload)> TopicAndPayloadAsync(Mqtt5Client client)
    {
        var message = await client.ReceiveAsync();
        return (message.Topic, message.Payload);
    }

    /// <summary>Publishes at QoS 1 until the PUBACK says <paramref name="expected"/>: the server reloads the rules every second.</summary>
    private static async Task PublishUntilAsync(Mqtt5Client publisher, string topic, MqttClientPublishReasonCode expected)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        var reason = (MqttClientPublishReasonCode)(-1);
        while (!cts.IsCancellationRequested)
        {
            reason = (await publisher.PublishAsync(Message(topic, "probe"))).ReasonCode;
            if (reason == expected)
                return;
            await Task.Delay(100, CancellationToken.None);
        }
        Assert.Fail($"PUBACK still {reason}, not {expected}, after {Wait.Bound.TotalSeconds} s");
    }

    /// <summary>mosquitto_pub with a client id of the test's choosing, QoS 1, waiting for a clean exit.</summary>
    private static async Task MosquittoPublishAsync(int port, string clientId, string topic, string payload)
    {
        await using var process = ClientProcess.Start("/usr/bin/mosquitto_pub",
            ["-h", "127.0.0.1", "-p", port.ToString(), "-V", Mosquitto.V311, "-i", clientId, "-t", topic, "-q", "1", "-m", payload]);
        await process.ExpectSuccessAsync();
    }
}

using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// Shared subscriptions <c>$share/{group}/{filter}</c> (section 4.8.2): each message goes to one
/// member of the group. Every member also subscribes to a control topic of its own; a marker sent
/// there after the messages arrives behind them, so a test knows when a member has had its share.
/// </summary>
public sealed class Mqtt5SharedSubscriptionTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    private const int Messages = 30;

    [Fact]
    public async Task Messages_are_split_among_mqttnet_members_each_delivered_once()
    {
        var topic = Unique.Topic("shared");
        var members = new List<Mqtt5Client>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var member = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId($"n5m{i}"));
                members.Add(member);
                await member.SubscribeAsync($"$share/g/{topic}", MqttQualityOfServiceLevel.AtLeastOnce);
                await member.SubscribeAsync(ControlTopic(topic, i), MqttQualityOfServiceLevel.AtLeastOnce);
            }
            // A plain subscription to the same topic is no member: it gets every message.
            await using var everything = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5all"));
            await everything.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

            await PublishAllThenMarkersAsync(topic, members.Count);

            var shares = new List<List<string>>();
            for (var i = 0; i < members.Count; i++)
                shares.Add(await ShareAsync(members[i], ControlTopic(topic, i)));
            AssertSplitExactlyOnce(shares);
            for (var n = 0; n < Messages; n++)
                Assert.Equal($"m{n}", (await everything.ReceiveAsync()).Payload);
        }
        finally
        {
            foreach (var member in members)
                await member.DisposeAsync();
        }
    }

    [Fact]
    public async Task Mosquitto_and_paho_members_share_with_an_mqttnet_member()
    {
        var topic = Unique.Topic("shared");
        var filter = $"$share/mixed/{topic}";
        await using var mqttnet = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5m"));
        await mqttnet.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        await mqttnet.SubscribeAsync(ControlTopic(topic, 0), MqttQualityOfServiceLevel.AtLeastOnce);
        // Both processes would exit after more messages than can come; the marker ends the reading.
        await using var mosquitto = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, filter, MqttQualityOfServiceLevel.AtLeastOnce,
            count: Messages + 1, extraArgs: ["-t", ControlTopic(topic, 1)]);
        await using var paho = await Mqtt5Paho.SubscribeAsync(server.MqttPort, [filter, ControlTopic(topic, 2)], MqttQualityOfServiceLevel.AtLeastOnce, count: Messages + 1);

        await PublishAllThenMarkersAsync(topic, 3);

        AssertSplitExactlyOnce(
        [
            await ShareAsync(mqttnet, ControlTopic(topic, 0)),
            await ShareAsync(mosquitto, ControlTopic(topic, 1)),
            await ShareAsync(paho, ControlTopic(topic, 2)),
        ]);
    }

    [Fact]
    public async Task Shared_subscription_gets_no_retained_message_on_subscribe()
    {
        var topic = Unique.Topic("shared");
        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "retained", 1, Retain: true));
        await using var member = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5m"));

        await member.SubscribeAsync($"$share/g/{topic}", MqttQualityOfServiceLevel.AtLeastOnce);
        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "live", 1));

        var received = await member.ReceiveAsync();
        Assert.Equal(("live", false), (received.Payload, received.Retain));
        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "", 1, Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Member_gets_its_subscription_identifier_on_shared_messages()
    {
        var topic = Unique.Topic("shared");
        await using var member = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5m"));
        await member.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"$share/ids/{topic}", MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(5).Build());

        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "shared", 1));

        var received = await member.ReceiveAsync();
        Assert.Equal(("shared", 5u), (received.Payload, Assert.Single(received.SubscriptionIdentifiers)));
    }

    [Theory]
    [InlineData("$share//{0}")]
    [InlineData("$share/g")]
    [Trait("Spec", "MQTT-4.8.2-1")]
    [Trait("Spec", "MQTT-4.8.2-2")]
    public async Task Malformed_shared_filter_is_refused_with_0x8F(string format)
    {
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5badshr"));

        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, Unique.Topic("shared")), MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientSubscribeResultCode.TopicFilterInvalid, result.Items.Single().ResultCode);
        Assert.True(client.Client.IsConnected);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.8.2-5")]
    public async Task Qos2_message_in_flight_to_a_member_whose_session_ends_is_not_sent_to_another()
    {
        var topic = Unique.Topic("shared");
        var filter = $"$share/g/{topic}";
        var firstId = Unique.ClientId("n5first");
        var first = await Mqtt5Client.ConnectAsync(server.MqttPort, firstId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));
        // The message reaches MQTTnet but it sends no PUBREC: delivery is not complete.
        first.Client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            return Task.CompletedTask;
        };
        await first.SubscribeAsync(filter, MqttQualityOfServiceLevel.ExactlyOnce);
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "exactly once", 2));
        Assert.Equal("exactly once", (await first.ReceiveAsync()).Payload);
        await using var second = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5second"));
        await second.SubscribeAsync(filter, MqttQualityOfServiceLevel.ExactlyOnce);

        // The first member drops off, then comes back with Clean Start: its session ends.
        first.Client.Dispose();
        await using (var fresh = await Mqtt5Client.ConnectAsync(server.MqttPort, firstId, o => o.WithCleanStart(true)))
            Assert.False(fresh.ConnectResult.IsSessionPresent);
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "marker", 2));

        // The first client may already have processed the message: the group must not get it twice.
        Assert.Equal("marker", (await second.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Qos1_message_held_for_a_member_whose_session_ends_goes_to_another()
    {
        var topic = Unique.Topic("shared");
        var filter = $"$share/g/{topic}";
        var firstId = Unique.ClientId("n5first");
        var first = await Mqtt5Client.ConnectAsync(server.MqttPort, firstId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));
        first.Client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            return Task.CompletedTask;
        };
        await first.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "at least once", 1));
        Assert.Equal("at least once", (await first.ReceiveAsync()).Payload);
        await using var second = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5second"));
        await second.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);

        first.Client.Dispose();
        await using (var fresh = await Mqtt5Client.ConnectAsync(server.MqttPort, firstId, o => o.WithCleanStart(true)))
            Assert.False(fresh.ConnectResult.IsSessionPresent);

        // Section 4.8.2: a QoS 1 message whose member's session ended SHOULD go to another member.
        Assert.Equal("at least once", (await second.ReceiveAsync()).Payload);
    }

    private static string ControlTopic(string topic, int member) => $"{topic}-control/{member}";

    /// <summary>Publishes m0..m29 in order, each acknowledged, then one marker per member's control topic.</summary>
    private async Task PublishAllThenMarkersAsync(string topic, int members)
    {
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5pub"));
        for (var n = 0; n < Messages; n++)
            await publisher.PublishAsync(topic, $"m{n}", MqttQualityOfServiceLevel.AtLeastOnce);
        for (var i = 0; i < members; i++)
            await publisher.PublishAsync(ControlTopic(topic, i), "marker", MqttQualityOfServiceLevel.AtLeastOnce);
    }

    /// <summary>What one member received before its marker.</summary>
    private static async Task<List<string>> ShareAsync(Mqtt5Subscriber member, string controlTopic)
    {
        var share = new List<string>();
        for (var m = await member.ReceiveAsync(); m.Topic != controlTopic; m = await member.ReceiveAsync())
            share.Add(m.Payload);
        return share;
    }

    private static void AssertSplitExactlyOnce(List<List<string>> shares)
    {
        var all = shares.SelectMany(s => s).ToList();
        Assert.Equal(Enumerable.Range(0, Messages).Select(n => $"m{n}").Order(), all.Order());
        Assert.All(shares, share => Assert.NotEmpty(share));
    }
}

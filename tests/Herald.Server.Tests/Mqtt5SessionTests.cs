using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// MQTT 5 Clean Start and Session Expiry Interval: a session with an expiry outlives its
/// connection, keeps its subscriptions and queues messages; with expiry 0 it ends with it.
/// </summary>
public sealed class Mqtt5SessionTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.1.2-23")]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Session_with_expiry_queues_messages_while_offline_and_is_present_on_return()
    {
        var clientId = Unique.ClientId("n5sess");
        var topic = Unique.Topic("session");
        await using (var first = await ConnectAsync(clientId, sessionExpiry: 300))
        {
            Assert.False(first.ConnectResult.IsSessionPresent);
            await first.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
            await first.DisconnectAsync();
        }

        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "one", 1));
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "two", 2) { UserProperties = [new("n", "2")] });
        await using (var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5pub")))
        {
            await publisher.PublishAsync(topic, "not queued", MqttQualityOfServiceLevel.AtMostOnce);
            // Acknowledged after the QoS 0 message before it on the same connection: the server
            // has routed that one too before the session comes back (it would reach the new
            // connection otherwise, and rightly).
            await publisher.PublishAsync(Unique.Topic("after"), "ack", MqttQualityOfServiceLevel.AtLeastOnce);
        }
        await using var back = await ConnectAsync(clientId, sessionExpiry: 300);

        Assert.True(back.ConnectResult.IsSessionPresent);
        var one = await back.ReceiveAsync();
        var two = await back.ReceiveAsync();
        Assert.Equal(("one", 1), (one.Payload, one.QoS));
        Assert.Equal(("two", 2), (two.Payload, two.QoS));
        Assert.Equal([new("n", "2")], two.UserProperties);
        // The subscription survived too: a new message arrives without subscribing again.
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "three", 1));
        Assert.Equal("three", (await back.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Session_with_expiry_0_ends_with_the_connection()
    {
        var clientId = Unique.ClientId("n5gone");
        var topic = Unique.Topic("session");
        await using (var first = await ConnectAsync(clientId, sessionExpiry: 0))
        {
            await first.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await first.DisconnectAsync();
        }

        await using var back = await ConnectAsync(clientId, sessionExpiry: 0);

        Assert.False(back.ConnectResult.IsSessionPresent);
        // Its subscription went with it: a QoS 1 publisher hears 0x10 No matching subscribers.
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5pub"));
        var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload("nobody").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, result.ReasonCode);
        Assert.Equal(0, back.PendingCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Clean_start_discards_a_stored_session()
    {
        var clientId = Unique.ClientId("n5clean");
        var topic = Unique.Topic("session");
        await using (var first = await ConnectAsync(clientId, sessionExpiry: 300))
        {
            await first.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await first.DisconnectAsync();
        }
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "for the old session", 1));

        await using var fresh = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(true).WithSessionExpiryInterval(300));

        Assert.False(fresh.ConnectResult.IsSessionPresent);
        await fresh.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "for the new one", 1));
        Assert.Equal("for the new one", (await fresh.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Session_expiry_0_on_disconnect_ends_a_session_that_had_one()
    {
        var clientId = Unique.ClientId("r5drop");
        // DISCONNECT may change the expiry CONNECT set (section 3.14.2.2.2): 0 ends the session now.
        // MQTTnet leaves a 0 out of DISCONNECT, and paho exits before the server has read it: raw
        // bytes, and the server's close, tell when it has.
        await Mqtt5Packets.ConnectAndDisconnectAsync(server.MqttPort, Mqtt5Packets.Connect(clientId, sessionExpiry: 300),
            ReasonCode.NormalDisconnection, sessionExpiryAtDisconnect: 0);

        await using var back = await ConnectAsync(clientId, sessionExpiry: 300);

        Assert.False(back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    public async Task Session_expiry_set_on_disconnect_after_connect_set_0_is_a_protocol_error_and_the_session_ends()
    {
        var clientId = Unique.ClientId("r5prolong");
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendAsync(Mqtt5Packets.Connect(clientId, sessionExpiry: 0));
        Assert.Equal(0x20, (await client.ReadPacketAsync())[0]);

        // Section 3.14.2.2.2: a session that was to end with its connection cannot be prolonged.
        await client.SendAsync(Mqtt5Packets.Disconnect(ReasonCode.NormalDisconnection, sessionExpiry: 300));

        // The server answers DISCONNECT 0x82 Protocol error and closes.
        Assert.Equal([0xE0, 0x01, 0x82], (await client.ReadUntilClosedAsync()).Take(3));
        await using var back = await ConnectAsync(clientId, sessionExpiry: 300);
        Assert.False(back.ConnectResult.IsSessionPresent);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Mosquitto_session_with_expiry_gets_what_was_queued_while_it_was_away()
    {
        var clientId = Unique.ClientId("m5sess");
        var topic = Unique.Topic("session");
        // -c asks for clean start 0; -x is the Session Expiry Interval it then sends.
        string[] persistent = ["-c", "-x", "60"];
        await using (var first = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce, clientId: clientId, extraArgs: [.. persistent, "-E"]))
            await first.Process.ExpectSuccessAsync();

        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "queued for mosquitto", 1) { ContentType = "text/plain" });
        await using var back = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce, clientId: clientId, extraArgs: persistent, awaitSubAck: false);

        var received = await back.ReceiveAsync();
        Assert.Equal(("queued for mosquitto", "text/plain"), (received.Payload, received.ContentType));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Paho_session_with_expiry_gets_what_was_queued_while_it_was_away()
    {
        var clientId = Unique.ClientId("p5sess");
        var topic = Unique.Topic("session");
        await using (var first = await Mqtt5Paho.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce, count: 0, clientId: clientId, cleanStart: false, sessionExpiry: 60))
        {
            Assert.False(first.SessionPresent);
            await first.Process.ExpectSuccessAsync();
        }

        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "queued for paho", 1));
        await using var back = await Mqtt5Paho.SubscribeAsync(server.MqttPort, topic: null, count: 1, clientId: clientId, cleanStart: false, sessionExpiry: 60);

        Assert.True(back.SessionPresent);
        Assert.Equal(("queued for paho", 1), Short(await back.ReceiveAsync()));
    }

    private Task<Mqtt5Client> ConnectAsync(string clientId, uint sessionExpiry) =>
        Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(sessionExpiry));

    private static (string Payload, int QoS) Short(Mqtt5Message message) => (message.Payload, message.QoS);
}

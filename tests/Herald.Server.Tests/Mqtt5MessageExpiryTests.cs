using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// Message Expiry Interval for messages that wait in the server (an offline session's queue, the
/// retained store), on a server of its own whose clock the test moves: no test waits for real
/// seconds to pass.
/// </summary>
public sealed class Mqtt5MessageExpiryTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public async Task Forwarded_expiry_is_what_remains_after_the_time_the_message_waited()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var (clientId, topic) = (Unique.ClientId("n5exp"), Unique.Topic("expiry"));
        await SubscribeAndLeaveAsync(server, clientId, topic);
        await PublishAsync(server, topic, "waits 4 s", expiry: 10);

        time.Advance(TimeSpan.FromSeconds(4));
        await using var back = await ConnectAsync(server, clientId);

        var received = await back.ReceiveAsync();
        Assert.Equal(("waits 4 s", 6u), (received.Payload, received.MessageExpiryInterval));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Message_whose_expiry_passed_while_the_session_was_offline_is_not_delivered()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var (clientId, topic) = (Unique.ClientId("n5exp"), Unique.Topic("expiry"));
        await SubscribeAndLeaveAsync(server, clientId, topic);
        await PublishAsync(server, topic, "expires", expiry: 1);
        await PublishAsync(server, topic, "does not expire", expiry: null);

        time.Advance(TimeSpan.FromSeconds(2));
        await using var back = await ConnectAsync(server, clientId);

        Assert.True(back.ConnectResult.IsSessionPresent);
        // Queued in order: had the expired one been sent, it would have come first.
        var received = await back.ReceiveAsync();
        Assert.Equal("does not expire", received.Payload);
        Assert.Null(received.MessageExpiryInterval);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public async Task Retained_message_expiry_counts_down_and_an_expired_one_is_not_sent()
    {
        var time = new FakeTimeProvider();
        await using var server = await HeraldServer.StartAsync(time);
        var topic = Unique.Topic("expiry");
        await PublishAsync(server, topic, "retained a while", expiry: 10, retain: true);

        time.Advance(TimeSpan.FromSeconds(4));
        await using (var early = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5early"), o => o.WithNoKeepAlive()))
        {
            await early.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            var received = await early.ReceiveAsync();
            Assert.Equal(("retained a while", true, 6u), (received.Payload, received.Retain, received.MessageExpiryInterval));
        }
        time.Advance(TimeSpan.FromSeconds(6));
        await using var late = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5late"), o => o.WithNoKeepAlive());
        await late.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await PublishAsync(server, topic, "marker", expiry: null);

        var next = await late.ReceiveAsync();
        Assert.Equal(("marker", false), (next.Payload, next.Retain));
    }

    /// <summary>
    /// No keep-alive: a client connected while the clock jumps is not closed for silence. A
    /// session of 300 s outlives every jump here.
    /// </summary>
    private static Task<Mqtt5Client> ConnectAsync(HeraldServer server, string clientId) =>
        Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300).WithNoKeepAlive());

    /// <summary>
    /// Subscribes, then leaves in a way the test can see through: a raw client takes the session
    /// over (the server detaches the first connection before it answers CONNACK) and disconnects
    /// (the server closes its side once the session is detached again). A message published
    /// after this is queued, never sent to a connection on its way out.
    /// </summary>
    private static async Task SubscribeAndLeaveAsync(HeraldServer server, string clientId, string topic)
    {
        await using var subscriber = await ConnectAsync(server, clientId);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await Mqtt5Packets.ConnectAndDisconnectAsync(server.MqttPort, Mqtt5Packets.Connect(clientId, sessionExpiry: 300), ReasonCode.NormalDisconnection);
    }

    private static async Task PublishAsync(HeraldServer server, string topic, string payload, uint? expiry, bool retain = false)
    {
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5pub"), o => o.WithNoKeepAlive());
        var builder = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).WithRetainFlag(retain);
        if (expiry is { } seconds)
            builder.WithMessageExpiryInterval(seconds);
        var result = await publisher.PublishAsync(builder.Build());
        Assert.True(result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers, $"{result.ReasonCode}");
    }
}

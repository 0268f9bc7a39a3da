using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Durability;

/// <summary>MQTT 5 session state across a kill -9: a session with an expiry interval, and a will waiting out its delay.</summary>
public sealed class SessionStateAcrossKillTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Mqtt5_session_with_expiry_keeps_its_subscription_and_queued_messages_across_kill_9()
    {
        await using var herald = await HeraldProcess.StartAsync();
        var topic = Unique.Topic("v5");
        var clientId = Unique.ClientId("v5sub");
        string[] payloads = ["m1", "m2", "m3", "m4", "m5"];
        await using (var subscriber = await ConnectWithExpiryAsync(herald.MqttPort, clientId))
        {
            await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
            await subscriber.DisconnectAsync();
        }
        await using (var publisher = await Mqtt5Client.ConnectAsync(herald.MqttPort, Unique.ClientId("v5pub")))
        {
            foreach (var payload in payloads)
                await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.ExactlyOnce);
            await herald.KillAsync();
        }

        await herald.StartAsync();

        await using var back = await ConnectWithExpiryAsync(herald.MqttPort, clientId);
        Assert.True(back.ConnectResult.IsSessionPresent, $"The session did not survive the kill. {herald.Transcript}");
        foreach (var payload in payloads)
        {
            var message = await back.ReceiveAsync();
            Assert.Equal((topic, payload, 2), (message.Topic, message.Payload, message.QoS));
        }
    }

    /// <summary>
    /// A restored queue keeps its place: what one client publishes to a topic after the restart
    /// reaches the offline subscriber after what it published before the kill.
    /// </summary>
    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    [Trait("Spec", "MQTT-4.6.0-6")]
    public async Task Messages_queued_after_the_restart_arrive_after_those_queued_before_the_kill(MqttQualityOfServiceLevel qos)
    {
        await using var herald = await HeraldProcess.StartAsync();
        var topic = Unique.Topic("order");
        var subscriberId = Unique.ClientId("ordsub");
        var publisherId = Unique.ClientId("ordpub");
        await using (var subscriber = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId))
            await subscriber.SubscribeAsync(topic, qos);
        await using (var publisher = await MqttNetClient.ConnectAsync(herald.MqttPort, publisherId))
        {
            foreach (var payload in new[] { "m1", "m2", "m3" })
                await publisher.PublishAsync(topic, payload, qos);
            await herald.KillAsync();
        }

        await herald.StartAsync();

        await using (var publisher = await MqttNetClient.ConnectAsync(herald.MqttPort, publisherId))
        {
            foreach (var payload in new[] { "m4", "m5", "m6" })
                await publisher.PublishAsync(topic, payload, qos);
        }
        await using var back = await Sequence.ConnectPersistentAsync(herald.MqttPort, subscriberId);
        Assert.True(back.ConnectResult.IsSessionPresent);
        var received = new List<string>();
        for (var i = 0; i < 6; i++)
            received.Add((await back.ReceiveAsync()).Payload);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5", "m6"], received);
    }

    /// <summary>
    /// The will waits out its delay in the store. The QoS 1 barrier publish after the DISCONNECT is
    /// acknowledged only once durable; a store that writes in order has made the delayed will
    /// durable by then too.
    /// </summary>
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Delayed_will_survives_kill_9_and_is_published_after_restart()
    {
        await using var herald = await HeraldProcess.StartAsync();
        var willTopic = Unique.Topic("will");
        var barrierTopic = Unique.Topic("barrier");
        var watcherId = Unique.ClientId("willsub");
        await using (var watcher = await Sequence.ConnectPersistentAsync(herald.MqttPort, watcherId))
        {
            await watcher.SubscribeAsync(willTopic, MqttQualityOfServiceLevel.AtLeastOnce);
            await watcher.SubscribeAsync(barrierTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        }
        await Mqtt5Packets.ConnectAndDisconnectAsync(
            herald.MqttPort,
            Mqtt5Packets.Connect(Unique.ClientId("r5will"), sessionExpiry: 300, willTopic, "delayed will", willDelay: 3),
            ReasonCode.DisconnectWithWillMessage);
        await Clients.PublishAsync(ClientKind.MQTTnet, herald.MqttPort, barrierTopic, "barrier", MqttQualityOfServiceLevel.AtLeastOnce);

        await herald.RestartAsync();

        await using var back = await Sequence.ConnectPersistentAsync(herald.MqttPort, watcherId);
        Assert.True(back.ConnectResult.IsSessionPresent);
        // The barrier was queued at once; the will comes when its delay has passed, before or after the reconnect.
        Assert.Equal(new Received(barrierTopic, "barrier", 1, false), await back.ReceiveAsync());
        Assert.Equal(new Received(willTopic, "delayed will", 1, false), await back.ReceiveAsync());
    }

    private static Task<Mqtt5Client> ConnectWithExpiryAsync(int port, string clientId) =>
        Mqtt5Client.ConnectAsync(port, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));
}

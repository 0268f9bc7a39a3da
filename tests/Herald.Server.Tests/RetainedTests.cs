using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>Retained messages: stored per topic, sent to new subscriptions, cleared by an empty payload.</summary>
public sealed class RetainedTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    private const MqttQualityOfServiceLevel QoS1 = MqttQualityOfServiceLevel.AtLeastOnce;

    public static TheoryData<ClientKind, ClientKind> Pairs => new()
    {
        { ClientKind.Mosquitto, ClientKind.MQTTnet },
        { ClientKind.MQTTnet, ClientKind.Paho },
        { ClientKind.Paho, ClientKind.Mosquitto },
    };

    [Theory]
    [MemberData(nameof(Pairs))]
    [Trait("Spec", "MQTT-3.3.1-6")]
    [Trait("Spec", "MQTT-3.3.1-8")]
    public async Task Retained_message_is_delivered_to_a_late_subscriber_with_retain_set(ClientKind publisher, ClientKind subscriber)
    {
        var topic = Unique.Topic("retained");
        // QoS 1: the publisher returns after PUBACK, which comes after the message is stored.
        await Clients.PublishAsync(publisher, server.MqttPort, topic, "kept", QoS1, retain: true);

        await using var late = await Clients.SubscribeAsync(subscriber, server.MqttPort, topic, QoS1);

        Assert.Equal(new Received(topic, "kept", 1, Retain: true), await late.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-9")]
    public async Task Retained_message_reaches_an_existing_subscriber_with_retain_clear()
    {
        var topic = Unique.Topic("retained");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"));
        await subscriber.SubscribeAsync(topic, QoS1);

        await Mosquitto.PublishAsync(server.MqttPort, topic, "live", QoS1, retain: true);

        Assert.Equal(new Received(topic, "live", 1, Retain: false), await subscriber.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-5")]
    public async Task Newer_retained_message_replaces_the_older()
    {
        var topic = Unique.Topic("retained");
        await Mosquitto.PublishAsync(server.MqttPort, topic, "old", QoS1, retain: true);
        await Mosquitto.PublishAsync(server.MqttPort, topic, "new", QoS1, retain: true);

        await using var late = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("late"));
        await late.SubscribeAsync(topic, QoS1);
        await late.PublishAsync(topic, "marker", QoS1);

        Assert.Equal(new Received(topic, "new", 1, true), await late.ReceiveAsync());
        Assert.Equal("marker", (await late.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    [Trait("Spec", "MQTT-3.3.1-11")]
    public async Task Retained_message_is_cleared_by_empty_payload()
    {
        var topic = Unique.Topic("retained");
        await Mosquitto.PublishAsync(server.MqttPort, topic, "to be cleared", QoS1, retain: true);
        await Mosquitto.PublishAsync(server.MqttPort, topic, "", QoS1, retain: true);

        await using var late = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("late"));
        await late.SubscribeAsync(topic, QoS1);
        // A retained message would be sent right after SUBACK, before anything published later.
        await late.PublishAsync(topic, "marker", QoS1);

        Assert.Equal(new Received(topic, "marker", 1, false), await late.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-6")]
    public async Task Wildcard_subscription_receives_every_matching_retained_message()
    {
        var root = Unique.Topic("retained");
        await Mosquitto.PublishAsync(server.MqttPort, $"{root}/a", "A", QoS1, retain: true);
        await Paho.PublishAsync(server.MqttPort, $"{root}/b/c", "BC", QoS1, retain: true);

        await using var late = await Mosquitto.SubscribeAsync(server.MqttPort, $"{root}/#", QoS1, count: 2);

        var received = new[] { await late.ReceiveAsync(), await late.ReceiveAsync() }.OrderBy(r => r.Topic);
        Assert.Equal([new Received($"{root}/a", "A", 1, true), new Received($"{root}/b/c", "BC", 1, true)], received);
    }
}

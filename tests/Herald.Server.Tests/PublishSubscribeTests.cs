using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>Messages flow between every pair of client libraries, at every QoS, over MQTT 3.1.1.</summary>
public sealed class PublishSubscribeTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    public static TheoryData<ClientKind, ClientKind, MqttQualityOfServiceLevel> EveryPairAndQoS()
    {
        var data = new TheoryData<ClientKind, ClientKind, MqttQualityOfServiceLevel>();
        foreach (var publisher in Enum.GetValues<ClientKind>())
        {
            foreach (var subscriber in Enum.GetValues<ClientKind>())
            {
                foreach (var qos in Enum.GetValues<MqttQualityOfServiceLevel>())
                    data.Add(publisher, subscriber, qos);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPairAndQoS))]
    [Trait("Spec", "MQTT-3.3.1-9")]
    public async Task Published_message_reaches_the_subscriber(ClientKind publisher, ClientKind subscriber, MqttQualityOfServiceLevel qos)
    {
        var topic = Unique.Topic("pubsub");
        var payload = $"from {publisher} to {subscriber} at QoS {(int)qos}";
        await using var subscription = await Clients.SubscribeAsync(subscriber, server.MqttPort, topic, qos);

        await Clients.PublishAsync(publisher, server.MqttPort, topic, payload, qos);

        Assert.Equal(new Received(topic, payload, (int)qos, Retain: false), await subscription.ReceiveAsync());
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.ExactlyOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.ExactlyOnce)]
    [Trait("Spec", "MQTT-3.8.4-6")]
    public async Task Delivery_uses_the_lower_of_published_and_granted_QoS(MqttQualityOfServiceLevel published, MqttQualityOfServiceLevel granted)
    {
        var topic = Unique.Topic("downgrade");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"));
        await subscriber.SubscribeAsync(topic, granted);

        await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, topic, "payload", published);

        var expected = (int)(published < granted ? published : granted);
        Assert.Equal(expected, (await subscriber.ReceiveAsync()).QoS);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [Trait("Spec", "MQTT-4.7.1-3")]
    public async Task Wildcard_filters_match_by_level()
    {
        var root = Unique.Topic("wildcards");
        await using var plus = await Mosquitto.SubscribeAsync(server.MqttPort, $"{root}/+/temperature", count: 1);
        await using var hash = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("hash"));
        await hash.SubscribeAsync($"{root}/#", MqttQualityOfServiceLevel.AtMostOnce);

        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("pub"));
        await publisher.PublishAsync($"{root}/kitchen/humidity", "40");
        await publisher.PublishAsync($"{root}/kitchen/temperature", "21");

        Assert.Equal(new Received($"{root}/kitchen/temperature", "21", 0, false), await plus.ReceiveAsync());
        Assert.Equal("40", (await hash.ReceiveAsync()).Payload);
        Assert.Equal("21", (await hash.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.6.0-6")]
    public async Task Messages_from_one_publisher_arrive_in_order()
    {
        var topic = Unique.Topic("order");
        string[] payloads = [.. Enumerable.Range(1, 50).Select(i => $"m{i}")];
        await using var subscriber = await Paho.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce, count: payloads.Length);

        await Mosquitto.PublishAsync(server.MqttPort, topic, payloads, MqttQualityOfServiceLevel.AtLeastOnce);

        var received = new List<string>();
        for (var i = 0; i < payloads.Length; i++)
            received.Add((await subscriber.ReceiveAsync()).Payload);
        Assert.Equal(payloads, received);
    }
}

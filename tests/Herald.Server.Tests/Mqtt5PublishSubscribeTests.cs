using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>MQTT 5 messages flow between every pair of client libraries, at every QoS, and reach 3.1.1 clients too.</summary>
public sealed class Mqtt5PublishSubscribeTests(HeraldServer server) : IClassFixture<HeraldServer>
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
    [Trait("Spec", "MQTT-3.8.4-8")]
    public async Task V5_message_reaches_a_v5_subscriber(ClientKind publisher, ClientKind subscriber, MqttQualityOfServiceLevel qos)
    {
        var topic = Unique.Topic("v5pubsub");
        var payload = $"v5 from {publisher} to {subscriber} at QoS {(int)qos}";
        await using var subscription = await Mqtt5Clients.SubscribeAsync(subscriber, server.MqttPort, topic, qos);

        await Mqtt5Clients.PublishAsync(publisher, server.MqttPort, new Mqtt5Message(topic, payload, (int)qos));

        var received = await subscription.ReceiveAsync();
        Assert.Equal((topic, payload, (int)qos, false), (received.Topic, received.Payload, received.QoS, received.Retain));
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.ExactlyOnce)]
    [Trait("Spec", "MQTT-3.8.4-8")]
    public async Task V5_delivery_uses_the_lower_of_published_and_granted_QoS(MqttQualityOfServiceLevel published, MqttQualityOfServiceLevel granted)
    {
        var topic = Unique.Topic("v5downgrade");
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5sub"));
        await subscriber.SubscribeAsync(topic, granted);

        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "payload", (int)published));

        Assert.Equal((int)(published < granted ? published : granted), (await subscriber.ReceiveAsync()).QoS);
    }

    [Fact]
    public async Task V5_message_with_properties_reaches_311_and_v5_subscribers_of_one_topic()
    {
        var topic = Unique.Topic("mixed");
        await using var mqttnet311 = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("n311sub"));
        await mqttnet311.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var mosquitto311 = await Mosquitto.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce, count: 2, version: Mosquitto.V311);
        await using var v5 = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5sub"));
        await v5.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        var message = new Mqtt5Message(topic, "to every version", 1)
        {
            ContentType = "text/plain",
            ResponseTopic = Unique.Topic("mixed-reply"),
            CorrelationData = "mixed-1",
            MessageExpiryInterval = 600,
            PayloadFormatIndicator = 1,
            UserProperties = [new("origin", "v5"), new("origin", "paho")],
        };

        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, message);

        var expected = new Received(topic, "to every version", 1, false);
        Assert.Equal(expected, await mqttnet311.ReceiveAsync());
        Assert.Equal(expected, await mosquitto311.ReceiveAsync());
        var received = await v5.ReceiveAsync();
        Assert.Equal(message.UserProperties, received.UserProperties);
        Assert.Equal("text/plain", received.ContentType);

        // The 3.1.1 clients were sent PUBLISH without a property section and still parse what follows.
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, message with { Payload = "and again" });
        Assert.Equal(expected with { Payload = "and again" }, await mqttnet311.ReceiveAsync());
        Assert.Equal(expected with { Payload = "and again" }, await mosquitto311.ReceiveAsync());
        Assert.True(mqttnet311.Client.IsConnected);
    }

    [Fact]
    public async Task Message_from_a_311_publisher_reaches_a_v5_subscriber_without_properties()
    {
        var topic = Unique.Topic("mixed");
        await using var v5 = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.ExactlyOnce);

        await Clients.PublishAsync(ClientKind.Paho, server.MqttPort, topic, "from 3.1.1", MqttQualityOfServiceLevel.ExactlyOnce);

        var received = await v5.ReceiveAsync();
        Assert.Equal((topic, "from 3.1.1", 2), (received.Topic, received.Payload, received.QoS));
        Assert.Empty(received.UserProperties);
        Assert.Null(received.ContentType);
        Assert.Null(received.MessageExpiryInterval);
    }
}

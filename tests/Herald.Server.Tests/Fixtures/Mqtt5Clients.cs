using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>Subscribe and publish over MQTT 5 with any <see cref="ClientKind"/>, for tests that cross libraries.</summary>
public static class Mqtt5Clients
{
    /// <summary>Returns once the server acknowledged the subscription; a process exits after <paramref name="count"/> messages.</summary>
    public static async Task<Mqtt5Subscriber> SubscribeAsync(ClientKind kind, int port, string topic, MqttQualityOfServiceLevel qos, int count = 1)
    {
        switch (kind)
        {
            case ClientKind.MQTTnet:
                var client = await Mqtt5Client.ConnectAsync(port, Unique.ClientId("n5sub"));
                try
                {
                    await client.SubscribeAsync(topic, qos);
                }
                catch
                {
                    await client.DisposeAsync();
                    throw;
                }
                return client;
            case ClientKind.Mosquitto:
                return await Mqtt5Mosquitto.SubscribeAsync(port, topic, qos, count);
            default:
                return await Mqtt5Paho.SubscribeAsync(port, topic, qos, count);
        }
    }

    /// <summary>Publishes with every property the message carries; returns once it was sent and, at QoS 1 and 2, acknowledged.</summary>
    public static async Task PublishAsync(ClientKind kind, int port, Mqtt5Message message)
    {
        switch (kind)
        {
            case ClientKind.MQTTnet:
                await using (var client = await Mqtt5Client.ConnectAsync(port, Unique.ClientId("n5pub")))
                {
                    var result = await client.PublishAsync(Mqtt5Client.ToApplicationMessage(message));
                    Assert.True(result.ReasonCode is MQTTnet.MqttClientPublishReasonCode.Success or MQTTnet.MqttClientPublishReasonCode.NoMatchingSubscribers,
                        $"PUBLISH to {message.Topic} failed: {result.ReasonCode}");
                }
                break;
            case ClientKind.Mosquitto:
                await Mqtt5Mosquitto.PublishAsync(port, message);
                break;
            default:
                await Mqtt5Paho.PublishAsync(port, message);
                break;
        }
    }
}

using MQTTnet.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>Subscribe and publish with any <see cref="ClientKind"/>, for tests that cross libraries.</summary>
public static class Clients
{
    /// <summary>Returns once the server acknowledged the subscription.</summary>
    public static async Task<ISubscriber> SubscribeAsync(ClientKind kind, int port, string topic, MqttQualityOfServiceLevel qos, int count = 1)
    {
        switch (kind)
        {
            case ClientKind.MQTTnet:
                var client = await MqttNetClient.ConnectAsync(port, Unique.ClientId("nsub"));
                await client.SubscribeAsync(topic, qos);
                return client;
            case ClientKind.Mosquitto:
                return await Mosquitto.SubscribeAsync(port, topic, qos, count);
            default:
                return await Paho.SubscribeAsync(port, topic, qos, count);
        }
    }

    /// <summary>Returns once the message was sent and, at QoS 1 and 2, acknowledged.</summary>
    public static async Task PublishAsync(ClientKind kind, int port, string topic, string payload, MqttQualityOfServiceLevel qos, bool retain = false)
    {
        switch (kind)
        {
            case ClientKind.MQTTnet:
                await using (var client = await MqttNetClient.ConnectAsync(port, Unique.ClientId("npub")))
                    await client.PublishAsync(topic, payload, qos, retain);
                break;
            case ClientKind.Mosquitto:
                await Mosquitto.PublishAsync(port, topic, payload, qos, retain);
                break;
            default:
                await Paho.PublishAsync(port, topic, payload, qos, retain);
                break;
        }
    }
}

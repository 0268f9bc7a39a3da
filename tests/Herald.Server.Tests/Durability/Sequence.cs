using System.Globalization;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Durability;

/// <summary>Numbered messages, 0 to count − 1 in the payload, published fast and taken back in order.</summary>
public static class Sequence
{
    /// <summary>Publishes outstanding at once: MQTTnet sends them back to back and the store may group-commit them.</summary>
    public const int Batch = 100;

    /// <summary>Publishes 0 to count − 1 in batches of <see cref="Batch"/> outstanding, each batch fully acknowledged before the next.</summary>
    public static async Task PublishAsync(MqttNetClient publisher, string topic, int count, MqttQualityOfServiceLevel qos)
    {
        for (var start = 0; start < count; start += Batch)
        {
            var batch = new Task[Math.Min(Batch, count - start)];
            for (var i = 0; i < batch.Length; i++)
                batch[i] = publisher.PublishAsync(topic, (start + i).ToString(CultureInfo.InvariantCulture), qos);
            await Task.WhenAll(batch);
        }
    }

    /// <summary>Connects with clean session 0: a persistent session.</summary>
    public static Task<MqttNetClient> ConnectPersistentAsync(int port, string clientId) =>
        MqttNetClient.ConnectAsync(port, clientId, o => o.WithCleanSession(false));
}

using System.Collections.Concurrent;
using Herald.Server.Tests.Cluster;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.ClusterLoad;

/// <summary>
/// A persistent subscriber that reconnects to another node again and again while a publisher on a
/// third node keeps publishing: each hop moves its session (takeover across nodes) while messages
/// for it are on their way, the moment where a message could fall between the two nodes.
/// </summary>
[Collection(Cluster.ClusterCollection.Name)]
public sealed class HoppingSubscriberTests : IClassFixture<RedisServer>
{
    private const int Messages = 3000;
    private const int Hops = 10;

    private readonly RedisServer _redis;

    public HoppingSubscriberTests(RedisServer redis) => _redis = redis;

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    [Trait("Spec", "MQTT-3.1.4-2")]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Subscriber_hopping_between_nodes_under_load_misses_no_acknowledged_message(MqttQualityOfServiceLevel qos)
    {
        await using var nodes = await HeraldNodes.StartAsync(3, _redis.Configuration);
        var topic = Unique.Topic("hop");
        var received = new ConcurrentDictionary<int, int>();
        var clientId = Unique.ClientId("hopper");
        var subscriber = await ConnectSubscriberAsync(nodes[0].MqttPort, clientId, topic, qos, received);
        await using var publisher = await MqttNetClient.ConnectAsync(nodes[2].MqttPort, Unique.ClientId("hop-pub"));

        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
                await publisher.PublishAsync(topic, i.ToString(), qos); // each awaits its PUBACK / PUBCOMP
        });
        for (var hop = 1; hop <= Hops && !publishing.IsCompleted; hop++)
        {
            // The old connection is dropped without DISCONNECT, as a phone changing networks does:
            // the new CONNECT on the other node takes the session over.
            var next = await ConnectSubscriberAsync(nodes[hop % 2].MqttPort, clientId, topic, qos, received, subscribe: false);
            subscriber.Dispose();
            subscriber = next;
            await Task.Delay(100);
        }
        await publishing;

        await Poll.UntilAsync(() => Task.FromResult(received.Count), count => count == Messages, $"all {Messages} messages at the subscriber that hopped between nodes");
        if (qos == MqttQualityOfServiceLevel.ExactlyOnce)
            Assert.All(received, pair => Assert.True(pair.Value == 1, $"message {pair.Key} arrived {pair.Value} times"));
        subscriber.Dispose();
    }

    private static async Task<IMqttClient> ConnectSubscriberAsync(int port, string clientId, string topic, MqttQualityOfServiceLevel qos, ConcurrentDictionary<int, int> received, bool subscribe = true)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            // A QoS 2 PUBLISH re-sent with DUP after a dropped connection is the protocol's own
            // re-send, which a client keeping its session state would recognise [MQTT-4.3.3-2]; a
            // new client object here cannot, so only a copy sent as new counts twice.
            var number = int.Parse(e.ApplicationMessage.ConvertPayloadToString());
            received.AddOrUpdate(number, 1, (_, n) => e.ApplicationMessage.Dup ? n : n + 1);
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(clientId)
            .WithCleanStart(false)
            .WithSessionExpiryInterval(300)
            .WithTimeout(Wait.Bound)
            .Build();
        using var cts = new CancellationTokenSource(Wait.Bound);
        await client.ConnectAsync(options, cts.Token);
        if (subscribe)
            await client.SubscribeAsync(topic, qos, cts.Token);
        return client;
    }
}

using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

public sealed class ManyClientsTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    private const int ClientCount = 100;

    [Fact]
    public async Task Hundred_clients_each_publishing_to_all_others_at_QoS1_lose_and_duplicate_nothing()
    {
        var root = Unique.Topic("many");
        string TopicOf(int i) => $"{root}/{i}";
        var clients = await Task.WhenAll(Enumerable.Range(0, ClientCount).Select(async i =>
        {
            var client = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId($"many{i}"));
            await client.SubscribeAsync(TopicOf(i), MqttQualityOfServiceLevel.AtLeastOnce);
            return client;
        }));
        try
        {
            // Every client publishes one message to every other client's topic, all at once.
            await Task.WhenAll(Enumerable.Range(0, ClientCount).Select(from =>
                Task.WhenAll(Enumerable.Range(0, ClientCount).Where(to => to != from).Select(to =>
                    clients[from].PublishAsync(TopicOf(to), $"{from}>{to}", MqttQualityOfServiceLevel.AtLeastOnce)))));

            var received = await Task.WhenAll(Enumerable.Range(0, ClientCount).Select(async to =>
            {
                var payloads = new List<string>();
                for (var n = 0; n < ClientCount - 1; n++)
                    payloads.Add((await clients[to].ReceiveAsync()).Payload);
                return payloads;
            }));

            // A PINGRESP is written after everything queued before it, so a duplicate already
            // on its way would be pending once the ping returns.
            await Task.WhenAll(clients.Select(c => c.Client.PingAsync()));
            for (var to = 0; to < ClientCount; to++)
            {
                var expected = Enumerable.Range(0, ClientCount).Where(from => from != to).Select(from => $"{from}>{to}").Order();
                Assert.Equal(expected, received[to].Order());
                Assert.Equal(0, clients[to].PendingCount);
            }
        }
        finally
        {
            await Task.WhenAll(clients.Select(c => c.DisposeAsync().AsTask()));
        }
    }
}

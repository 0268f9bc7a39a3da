using Herald.Server.Tests.Fixtures;
using MQTTnet.Exceptions;

namespace Herald.Server.Tests.Cluster;

/// <summary>The <see cref="HeraldNodes"/> fixture: every node is a herald process of its own, killed and restarted on its own ports.</summary>
[Collection(ClusterCollection.Name)]
public sealed class HeraldNodesFixtureTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Every_node_accepts_mqtt_clients_on_ports_of_its_own()
    {
        await using var nodes = await HeraldNodes.StartAsync(3, redis.Configuration);

        Assert.Equal(6, nodes.SelectMany(n => new[] { n.MqttPort, n.HttpPort }).Distinct().Count());
        foreach (var node in nodes)
        {
            await using var client = await MqttNetClient.ConnectAsync(node.MqttPort, Unique.ClientId("node"));
            Assert.True(client.Client.IsConnected, node.Transcript);
        }
    }

    [Fact]
    public async Task Killed_node_refuses_clients_until_restarted_on_the_same_port_while_the_others_run_on()
    {
        await using var nodes = await HeraldNodes.StartAsync(2, redis.Configuration);
        var killed = nodes[1];
        var port = killed.MqttPort;

        await killed.KillAsync();

        await Assert.ThrowsAnyAsync<MqttCommunicationException>(() => MqttNetClient.ConnectAsync(port, Unique.ClientId("killed")));
        await using (var other = await MqttNetClient.ConnectAsync(nodes[0].MqttPort, Unique.ClientId("other")))
            Assert.True(other.Client.IsConnected);
        await killed.StartAsync();
        Assert.Equal(port, killed.MqttPort);
        await using var back = await MqttNetClient.ConnectAsync(port, Unique.ClientId("back"));
        Assert.True(back.Client.IsConnected, killed.Transcript);
    }
}

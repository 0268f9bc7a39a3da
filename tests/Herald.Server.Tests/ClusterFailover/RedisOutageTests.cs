using System.Net;
using Herald.Server.Tests.Cluster;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// Redis goes away under two running nodes and comes back empty (a redis-server without
/// persistence restarted): meanwhile each node serves its own clients and says it is not ready;
/// afterwards it is ready again and messages cross between the nodes again, once each node has
/// announced its routes anew (at most one route refresh, 10 s, later).
/// </summary>
[Collection(Cluster.ClusterCollection.Name)]
public sealed class RedisOutageTests(RedisServer redis) : IClassFixture<RedisServer>
{
    /// <summary>
    /// A node that reads the other's routes just before that one wrote them back to the empty Redis
    /// learns them at its next refresh (RedisCluster.RouteRefresh, 10 s); the rest is slack for a
    /// loaded machine. A bound, not an expectation: a healthy run takes at most the 10 s.
    /// </summary>
    private static readonly TimeSpan RouteRefreshBound = TimeSpan.FromSeconds(25);

    [Fact]
    [Trait("Spec", "MQTT-4.3.2-2")]
    public async Task Nodes_serve_their_own_clients_while_Redis_is_down_and_deliver_across_nodes_again_once_it_is_back()
    {
        await using var nodes = await HeraldNodes.StartAsync(2, redis.Configuration, NodeApi.KeyArgument);
        var local = new NumberedTraffic("local");
        var across = new NumberedTraffic("across");
        await using var subscriber = await MqttNetClient.ConnectAsync(nodes[0].MqttPort, Unique.ClientId("localsub"));
        await subscriber.SubscribeAsync(local.Filter, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttNetClient.ConnectAsync(nodes[0].MqttPort, Unique.ClientId("localpub"));
        await using var remote = await MqttNetClient.ConnectAsync(nodes[1].MqttPort, Unique.ClientId("remotesub"));
        await remote.SubscribeAsync(across.Filter, MqttQualityOfServiceLevel.AtLeastOnce);
        await RouteProbe.UntilRoutedAsync(publisher, across.ProbeTopic, () => remote.PendingCount, "the subscriber on node-1");

        await redis.StopAsync();

        foreach (var node in nodes)
            await Poll.UntilAsync(() => NodeApi.ReadinessAsync(node), status => status == HttpStatusCode.ServiceUnavailable, $"/readyz of node on port {node.HttpPort} with Redis stopped");
        await Poll.UntilAsync(() => Task.FromResult(NodeLogs.FirstWith(nodes, "does not answer")), node => node is not null, "a node logging that Redis does not answer");
        // Clients on the same node, connected before and after Redis went, still talk at QoS 0 and 1.
        await publisher.PublishAsync(local.Qos1Topic, "qos 0 without Redis", MqttQualityOfServiceLevel.AtMostOnce);
        await publisher.PublishAsync(local.Qos1Topic, "qos 1 without Redis", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(local.Qos1Topic, "qos 0 without Redis", 0, false), await subscriber.ReceiveAsync());
        Assert.Equal(new Received(local.Qos1Topic, "qos 1 without Redis", 1, false), await subscriber.ReceiveAsync());
        await using (var newcomer = await MqttNetClient.ConnectAsync(nodes[0].MqttPort, Unique.ClientId("newcomer")))
        {
            var mine = Unique.Topic("newcomer");
            await newcomer.SubscribeAsync(mine, MqttQualityOfServiceLevel.AtLeastOnce);
            await publisher.PublishAsync(mine, "connected without Redis", MqttQualityOfServiceLevel.AtLeastOnce);
            Assert.Equal(new Received(mine, "connected without Redis", 1, false), await newcomer.ReceiveAsync());
        }
        // A persistent session may be on another node, which cannot be asked: refused rather than started empty.
        // MQTTnet 5 returns a refusing CONNACK's code rather than throwing.
        await using (var persistent = await MqttNetClient.ConnectAsync(nodes[0].MqttPort, Unique.ClientId("persist"), o => o.WithCleanSession(false)))
            Assert.Equal(MqttClientConnectResultCode.ServerUnavailable, persistent.ConnectResult.ResultCode);

        await redis.StartAsync();

        foreach (var node in nodes)
            await Poll.UntilAsync(() => NodeApi.ReadinessAsync(node), status => status == HttpStatusCode.OK, $"/readyz of node on port {node.HttpPort} with Redis back", Wait.ProcessBound);
        await RouteProbe.UntilRoutedAsync(publisher, across.ProbeTopic, () => remote.PendingCount, "the subscriber on node-1, Redis back", RouteRefreshBound);
        await publisher.PublishAsync(across.Qos1Topic, "across again", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(across.Qos1Topic, "across again", 1, false), await RouteProbe.NextAfterProbesAsync(remote.ReceiveAsync, across.ProbeTopic));
        // And the other way, to the subscription made on node-0 before Redis went.
        await using var fromNode1 = await MqttNetClient.ConnectAsync(nodes[1].MqttPort, Unique.ClientId("fromnode1"));
        await RouteProbe.UntilRoutedAsync(fromNode1, local.ProbeTopic, () => subscriber.PendingCount, "the subscriber on node-0, Redis back", RouteRefreshBound);
        await fromNode1.PublishAsync(local.Qos1Topic, "from node-1", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(local.Qos1Topic, "from node-1", 1, false), await RouteProbe.NextAfterProbesAsync(subscriber.ReceiveAsync, local.ProbeTopic));
    }
}

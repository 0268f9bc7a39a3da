using System.Text.Json;
using Herald.Server.Tests.Fixtures;
using Herald.Server.Tests.Monitoring;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// The cluster as operators see it from any one node: <c>GET /api/v1/cluster</c>, the hot topics
/// of the whole cluster, <c>$SYS/broker/cluster/...</c> and the <c>herald_cluster_*</c> metrics.
/// Every node publishes its status to the others once a second, so each reading is polled.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterMonitoringTests(ThreeNodesOnRedisServer nodes) : IClassFixture<ThreeNodesOnRedisServer>
{
    [Fact]
    public async Task Cluster_api_lists_every_node_with_the_clients_it_holds_and_sums_them()
    {
        var clients = new List<MqttNetClient>();
        try
        {
            // One client on node 0, two on node 1, three on node 2.
            for (var node = 0; node < 3; node++)
            {
                for (var i = 0; i <= node; i++)
                    clients.Add(await MqttNetClient.ConnectAsync(nodes[node].MqttPort, Unique.ClientId($"mon{node}")));
            }
            using var api = new NodeApi(nodes[1]);

            var cluster = await Poll.UntilAsync(
                () => api.GetAsync("cluster"),
                c => Connections(c) == "node-0=1,node-1=2,node-2=3",
                "the clients each node holds, as node 1 lists them");

            Assert.True(cluster.GetProperty("enabled").GetBoolean());
            Assert.Equal("node-1", cluster.GetProperty("node").GetString());
            Assert.True(cluster.GetProperty("redis_reachable").GetBoolean());
            Assert.Equal(["node-1"], cluster.GetProperty("nodes").EnumerateArray().Where(n => n.GetProperty("self").GetBoolean()).Select(n => n.GetProperty("id").GetString()));
            var total = cluster.GetProperty("total");
            Assert.Equal((3, 6L), (total.GetProperty("nodes").GetInt32(), total.GetProperty("connections").GetInt64()));
        }
        finally
        {
            foreach (var client in clients)
                await client.DisposeAsync();
        }
    }

    [Fact]
    public async Task Cluster_hot_topics_add_up_what_each_node_counted_of_a_topic_published_on_several()
    {
        var prefix = Unique.Topic("xhot");
        string shared = $"{prefix}/shared", single = $"{prefix}/single";
        await Mosquitto.PublishAsync(nodes[0].MqttPort, shared, ["a1", "a2", "a3"], MqttQualityOfServiceLevel.AtLeastOnce);
        await Mosquitto.PublishAsync(nodes[1].MqttPort, shared, ["b1", "b2"], MqttQualityOfServiceLevel.AtLeastOnce);
        await Paho.PublishAsync(nodes[2].MqttPort, single, ["c1", "c2", "c3", "c4"], MqttQualityOfServiceLevel.AtLeastOnce);
        using var api = new NodeApi(nodes[0]);

        var hot = await Poll.UntilAsync(
            () => api.GetAsync("topics/hot?scope=cluster&window=1m&limit=1000"),
            h => Count(h, shared) == (5, 10) && Count(h, single) == (4, 8),
            $"the counts of {shared} and {single} over the cluster, as node 0 merges them");

        // Each node counts only what was published there: node 0 saw three of the five.
        var local = await api.GetAsync("topics/hot?window=1m&limit=1000");
        Assert.Equal((3L, 6L), Count(local, shared));
        Assert.Null(Count(local, single));
        Assert.True(hot.GetProperty("total_messages").GetInt64() >= 9, hot.ToString());
    }

    [Fact]
    public async Task Sys_topics_of_each_node_count_the_cluster_and_name_the_node_itself()
    {
        foreach (var node in new[] { 1, 2 })
        {
            await using var sys = await SysWatcher.StartAsync(nodes[node].MqttPort, "$SYS/broker/cluster/#");

            await sys.WaitForAsync("$SYS/broker/cluster/nodes/count", "3");
            await sys.WaitForAsync("$SYS/broker/cluster/nodes", "node-0,node-1,node-2");
            // $SYS stays on its node: another node's would replace it if it were shared.
            await sys.WaitForAsync("$SYS/broker/cluster/node", HeraldNodes.NodeId(node));
        }
    }

    [Fact]
    public async Task Metrics_of_a_node_show_the_nodes_of_the_cluster_and_the_clients_of_each()
    {
        await using var client = await MqttNetClient.ConnectAsync(nodes[2].MqttPort, Unique.ClientId("metrics"));

        var scrape = await Poll.UntilAsync(
            () => PrometheusText.ScrapeAsync(nodes[0].HttpPort),
            s => s.Find("herald_cluster_nodes") == 3 && s.Find("herald_cluster_connections", "node=node-2") >= 1,
            "herald_cluster_nodes and node 2's herald_cluster_connections on node 0");

        Assert.Equal(1, scrape.Value("herald_cluster_redis_reachable"));
        Assert.Equal(["node-0", "node-1", "node-2"], scrape.Series("herald_cluster_connections", "node").Select(s => s.Label).Order());
    }

    /// <summary>"node-0=1,node-1=2,..." from a <c>GET /api/v1/cluster</c> answer.</summary>
    private static string Connections(JsonElement cluster) => string.Join(',', cluster.GetProperty("nodes").EnumerateArray()
        .Select(n => $"{n.GetProperty("id").GetString()}={n.GetProperty("stats").GetProperty("connections").GetInt32()}"));

    /// <summary>A topic's (messages, bytes) in a hot-topics answer, or null when it is not there.</summary>
    private static (long Messages, long Bytes)? Count(JsonElement hot, string topic) =>
        hot.GetProperty("topics").EnumerateArray().Where(t => t.GetProperty("topic").GetString() == topic)
            .Select(t => ((long, long)?)(t.GetProperty("messages").GetInt64(), t.GetProperty("bytes").GetInt64()))
            .SingleOrDefault();
}

using Herald.Protocol;
using Herald.Server.Tests.Cluster;
using Herald.Server.Tests.Durability;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// kill -9 of a node (SIGKILL: no shutdown code runs, its heartbeat simply stops): another node
/// adopts its persistent sessions with what was queued and in flight for them, and what it had
/// acknowledged to publishers still reaches their subscribers. Every test starts nodes of its own;
/// run on a standalone Redis and on a Redis Cluster.
/// </summary>
public abstract class NodeKillTests<TRedis>(TRedis redis) : IClassFixture<TRedis>
    where TRedis : FailoverRedis, new()
{
    private const int MaxPublishedWhileWaiting = 600;

    private static readonly TimeSpan RoundPause = TimeSpan.FromMilliseconds(100);

    /// <summary>What the node that adopts a dead one logs (RedisCluster.Membership, event 440).</summary>
    private static string Adopted(string node) => $"node {node} is gone; adopted";

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    [Trait("Spec", "MQTT-4.4.0-1")]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Sessions_of_a_killed_node_are_adopted_without_losing_an_acknowledged_message_and_the_node_rejoins()
    {
        await using var nodes = await redis.StartNodesAsync(3);
        var traffic = new NumberedTraffic("kill");
        var awayId = Unique.ClientId("away");
        using var holding = new HoldingSubscriber(Unique.ClientId("holding"));
        await using var publisher = await MqttNetClient.ConnectAsync(nodes[0].MqttPort, Unique.ClientId("killpub"));
        await using (var away = await Sequence.ConnectPersistentAsync(nodes[1].MqttPort, awayId))
        {
            await away.SubscribeAsync(traffic.Filter, MqttQualityOfServiceLevel.ExactlyOnce);
            await RouteProbe.UntilRoutedAsync(publisher, traffic.ProbeTopic, () => away.PendingCount, "the subscriber on node-1");
            await away.DisconnectAsync();
        }
        await NodeApi.WaitUntilAwayAsync(nodes[1], awayId);
        Assert.False(await holding.ConnectAsync(nodes[1].MqttPort));
        await holding.SubscribeAsync(traffic.Filter, QualityOfService.ExactlyOnce);

        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.AtLeastOnce, 30);
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.ExactlyOnce, 10);
        // Every one is in flight to the holding subscriber, none acknowledged, when node-1 dies.
        var held = new List<Received>();
        while (held.Count(m => m.Topic != traffic.ProbeTopic) < 40)
            held.Add(await holding.HoldNextAsync());
        await nodes[1].KillAsync();
        // Published before the others notice, while one adopts, and after.
        var adopter = await PublishUntilAsync(traffic, publisher, () => NodeLogs.FirstWith(nodes, Adopted(HeraldNodes.NodeId(1))));
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.AtLeastOnce, 10);
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.ExactlyOnce, 2);

        Assert.Equal(HeraldNodes.NodeId(adopter), await redis.OwnerAsync(awayId));
        Assert.Equal(HeraldNodes.NodeId(adopter), await redis.OwnerAsync(holding.ClientId));
        await using var back = await Sequence.ConnectPersistentAsync(nodes[2].MqttPort, awayId);
        Assert.True(back.ConnectResult.IsSessionPresent, NodeLogs.Mentioning(nodes, awayId));
        var awayReceipt = await WithLogAsync(nodes, awayId,
            () => traffic.ReceiveAllAsync("the away subscriber, back on node-2", back.ReceiveAsync, EndOn(nodes[0])));
        Assert.True(awayReceipt.Qos2.Duplicates == 0, awayReceipt.Summary);
        Assert.True(await holding.ConnectAsync(nodes[2].MqttPort), NodeLogs.Mentioning(nodes, holding.ClientId));
        var holdingReceipt = await WithLogAsync(nodes, holding.ClientId,
            () => traffic.ReceiveAllAsync("the holding subscriber, back on node-2", holding.NextAcknowledgingAsync, EndOn(nodes[0]), held));
        Assert.True(holdingReceipt.Qos2.Duplicates == 0, $"{holdingReceipt.Summary}; {holding.Resent} PUBLISH packets came with DUP");
        // [MQTT-4.4.0-1] the 40 held in flight came again, re-sent as such.
        Assert.True(holding.Resent >= 40, $"{holding.Resent} PUBLISH packets came with DUP; {holdingReceipt.Summary}");
        Assert.Empty(awayReceipt.Unexpected.Concat(holdingReceipt.Unexpected));

        await nodes[1].StartAsync();

        // It joined again: it routes to the others, and they to it.
        await using var onRestarted = await MqttNetClient.ConnectAsync(nodes[1].MqttPort, Unique.ClientId("rejoined"));
        var rejoined = new NumberedTraffic("rejoined");
        await onRestarted.SubscribeAsync(rejoined.Filter, MqttQualityOfServiceLevel.AtLeastOnce);
        await RouteProbe.UntilRoutedAsync(publisher, rejoined.ProbeTopic, () => onRestarted.PendingCount, "a subscriber on the restarted node-1");
        await publisher.PublishAsync(rejoined.Qos1Topic, "through node-1", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(rejoined.Qos1Topic, "through node-1", 1, false), await RouteProbe.NextAfterProbesAsync(onRestarted.ReceiveAsync, rejoined.ProbeTopic));
        var after = $"{traffic.Base}/after";
        await onRestarted.PublishAsync(after, "from node-1", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(after, "from node-1", 1, false), await NextOnAsync(back, after));
    }

    /// <summary>
    /// The client does not wait for the adoption: it reconnects to node-2 as soon as node-1's
    /// heartbeat has run out, which may be before any node adopted node-1 (they look every
    /// second). What node-0 acknowledged and forwarded to node-1's inbox after the kill must still
    /// reach the session, wherever it went.
    /// </summary>
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-4.3.2-2")]
    public async Task Client_reconnecting_elsewhere_before_its_dead_node_is_adopted_gets_what_was_forwarded_to_that_node()
    {
        await using var nodes = await redis.StartNodesAsync(3);
        var traffic = new NumberedTraffic("early");
        var clientId = Unique.ClientId("early");
        await using var publisher = await MqttNetClient.ConnectAsync(nodes[0].MqttPort, Unique.ClientId("earlypub"));
        await using (var away = await Sequence.ConnectPersistentAsync(nodes[1].MqttPort, clientId))
        {
            await away.SubscribeAsync(traffic.Filter, MqttQualityOfServiceLevel.ExactlyOnce);
            await RouteProbe.UntilRoutedAsync(publisher, traffic.ProbeTopic, () => away.PendingCount, "the subscriber on node-1");
            await away.DisconnectAsync();
        }
        await NodeApi.WaitUntilAwayAsync(nodes[1], clientId);
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.AtLeastOnce, 10);
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.ExactlyOnce, 2);

        await nodes[1].KillAsync();
        // Forwarded to node-1's inbox, and acknowledged, while node-1 counts as alive.
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.AtLeastOnce, 20);
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.ExactlyOnce, 4);
        await redis.WaitUntilHeartbeatGoneAsync(HeraldNodes.NodeId(1));
        await using var back = await Sequence.ConnectPersistentAsync(nodes[2].MqttPort, clientId);

        Assert.True(back.ConnectResult.IsSessionPresent, NodeLogs.Mentioning(nodes, clientId));
        var receipt = await WithLogAsync(nodes, clientId,
            () => traffic.ReceiveAllAsync("the subscriber back on node-2", back.ReceiveAsync, EndOn(nodes[0])));
        Assert.True(receipt.Qos2.Duplicates == 0, receipt.Summary);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.2-2")]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Messages_acknowledged_to_a_publisher_reach_a_subscriber_on_another_node_though_the_publishers_node_is_killed_right_after()
    {
        await using var nodes = await redis.StartNodesAsync(2);
        var traffic = new NumberedTraffic("puback");
        await using var subscriber = await Sequence.ConnectPersistentAsync(nodes[1].MqttPort, Unique.ClientId("pubacksub"));
        await subscriber.SubscribeAsync(traffic.Filter, MqttQualityOfServiceLevel.ExactlyOnce);
        await using var publisher = await MqttNetClient.ConnectAsync(nodes[0].MqttPort, Unique.ClientId("pubackpub"));
        await RouteProbe.UntilRoutedAsync(publisher, traffic.ProbeTopic, () => subscriber.PendingCount, "the subscriber on node-1");

        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.AtLeastOnce, 100);
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.ExactlyOnce, 20);
        await nodes[0].KillAsync();

        var receipt = await traffic.ReceiveAllAsync("the subscriber on node-1", subscriber.ReceiveAsync, EndOn(nodes[1]));
        Assert.True(receipt.Qos2.Duplicates == 0 && receipt.Qos1.OutOfOrder.Count == 0 && receipt.Qos2.OutOfOrder.Count == 0, receipt.Summary);
        Assert.Empty(receipt.Unexpected);
    }

    /// <summary>
    /// Publishes rounds of 10 QoS 1 and 2 QoS 2 messages, one every 100 ms, until
    /// <paramref name="happened"/> names a node, and returns it. It stops publishing at
    /// <see cref="MaxPublishedWhileWaiting"/>: an away session keeps 1000 messages and then drops its oldest.
    /// </summary>
    private static async Task<int> PublishUntilAsync(NumberedTraffic traffic, MqttNetClient publisher, Func<int?> happened)
    {
        var deadline = DateTime.UtcNow + Wait.ProcessBound;
        var published = 0;
        while (happened() is null)
        {
            Assert.True(DateTime.UtcNow < deadline, $"Nothing happened within {Wait.ProcessBound.TotalSeconds} s.");
            if (published < MaxPublishedWhileWaiting)
            {
                await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.AtLeastOnce, 10);
                await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.ExactlyOnce, 2);
                published += 12;
            }
            await Task.Delay(RoundPause);
        }
        return happened()!.Value;
    }

    /// <summary>Runs <paramref name="receive"/>; a timeout (messages missing) fails with what the nodes logged about <paramref name="clientId"/> and the adoption.</summary>
    private static async Task<NumberedTraffic.Receipt> WithLogAsync(HeraldNodes nodes, string clientId, Func<Task<NumberedTraffic.Receipt>> receive)
    {
        try
        {
            return await receive();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{NodeLogs.Mentioning(nodes, clientId)}\n{NodeLogs.Mentioning(nodes, "is gone")}", e);
        }
    }

    /// <summary>Publishes the closing message through a client of its own on <paramref name="node"/>.</summary>
    private static Func<string, string, Task> EndOn(HeraldProcess node) =>
        (topic, payload) => Clients.PublishAsync(ClientKind.MQTTnet, node.MqttPort, topic, payload, MqttQualityOfServiceLevel.ExactlyOnce);

    /// <summary>The next message on <paramref name="topic"/>, past the traffic still queued before it.</summary>
    private static async Task<Received> NextOnAsync(MqttNetClient client, string topic)
    {
        while (true)
        {
            var message = await client.ReceiveAsync();
            if (message.Topic == topic)
                return message;
        }
    }
}

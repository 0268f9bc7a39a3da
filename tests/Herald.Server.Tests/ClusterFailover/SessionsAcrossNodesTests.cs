using Herald.Server.Tests.Cluster;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// The session registry across three nodes that stay up: a client id is connected on one node at
/// most, a CONNECT on another node takes the session over as on a single server, and a persistent
/// session, with what was queued for it while its client was away, follows the client to
/// whichever node it reconnects to. Run on a standalone Redis and on a Redis Cluster.
/// </summary>
public abstract class SessionsAcrossNodesTests<TRedis>(SharedNodes<TRedis> cluster) : IClassFixture<SharedNodes<TRedis>>
    where TRedis : FailoverRedis, new()
{
    private HeraldNodes Nodes => cluster.Nodes;

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    [Trait("Spec", "MQTT-3.14.2-1")]
    public async Task Mqtt5_client_connecting_to_another_node_takes_its_session_over_with_DISCONNECT_0x8E_and_its_will()
    {
        var clientId = Unique.ClientId("take5");
        var (willTopic, dataTopic) = (Unique.Topic("take5-will"), Unique.Topic("take5-data"));
        await using var watcher = await WatchWillAsync(willTopic);
        await using var first = await Mqtt5Client.ConnectAsync(Nodes[0].MqttPort, clientId, o => o
            .WithCleanStart(false).WithSessionExpiryInterval(300)
            .WithWillTopic(willTopic).WithWillPayload("taken over").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));
        await first.SubscribeAsync(dataTopic, MqttQualityOfServiceLevel.AtLeastOnce);

        await using var second = await Mqtt5Client.ConnectAsync(Nodes[1].MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));

        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, (await first.Disconnected.WaitAsync(Wait.Bound)).Reason);
        Assert.True(second.ConnectResult.IsSessionPresent, "The session subscribed on node-0 did not come to node-1.");
        Assert.Equal(new Received(willTopic, "taken over", 1, false), await RouteProbe.NextAfterProbesAsync(watcher.ReceiveAsync, ProbeOf(willTopic)));
        await AssertConnectedOnlyOnAsync(1, clientId);
        // The subscription made on node-0 works on node-1.
        await second.PublishAsync(dataTopic, "mine now", MqttQualityOfServiceLevel.AtLeastOnce);
        var message = await second.ReceiveAsync();
        Assert.Equal((dataTopic, "mine now"), (message.Topic, message.Payload));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    public async Task Mqtt311_client_connecting_to_another_node_closes_its_old_connection_and_publishes_its_will()
    {
        var clientId = Unique.ClientId("take3");
        var (willTopic, dataTopic) = (Unique.Topic("take3-will"), Unique.Topic("take3-data"));
        await using var watcher = await WatchWillAsync(willTopic);
        await using var first = await MqttNetClient.ConnectAsync(Nodes[0].MqttPort, clientId, o => o
            .WithWillTopic(willTopic).WithWillPayload("taken over").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));

        await using var second = await MqttNetClient.ConnectAsync(Nodes[1].MqttPort, clientId);

        await first.Disconnected.WaitAsync(Wait.Bound);
        Assert.False(second.ConnectResult.IsSessionPresent);
        Assert.Equal(new Received(willTopic, "taken over", 1, false), await RouteProbe.NextAfterProbesAsync(watcher.ReceiveAsync, ProbeOf(willTopic)));
        await AssertConnectedOnlyOnAsync(1, clientId);
        await second.SubscribeAsync(dataTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        await second.PublishAsync(dataTopic, "mine now", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(dataTopic, "mine now", 1, false), await second.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    public async Task Client_id_hopping_between_nodes_is_connected_on_one_node_at_a_time()
    {
        var clientId = Unique.ClientId("hop");
        var connections = new List<MqttNetClient>();
        try
        {
            foreach (var node in new[] { 0, 1, 2, 0, 2, 1 })
            {
                var previous = connections.LastOrDefault();
                connections.Add(await MqttNetClient.ConnectAsync(Nodes[node].MqttPort, clientId, o => o.WithCleanSession(false)));

                // At CONNACK the old node has closed its connection already: it let go of the id first.
                await AssertConnectedOnlyOnAsync(node, clientId);
                if (previous is not null)
                    await previous.Disconnected.WaitAsync(Wait.Bound);
            }
        }
        finally
        {
            foreach (var connection in connections)
                await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Three CONNECTs with one client id reach three nodes at once: whatever order the claims take
    /// in Redis, at most one of the connections is up afterwards, and exactly one once they settle.
    /// </summary>
    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    public async Task Client_id_connecting_to_three_nodes_at_once_stays_connected_on_one()
    {
        for (var round = 0; round < 5; round++)
        {
            var clientId = Unique.ClientId("race");
            var attempts = Nodes.Select(node => TryConnectAsync(node.MqttPort, clientId)).ToArray();
            var clients = (await Task.WhenAll(attempts)).OfType<MqttNetClient>().ToList();
            try
            {
                var right = await NodeApi.ConnectionsAsync(Nodes, clientId);
                Assert.True(right.Sum() <= 1,
                    $"Round {round}: {clientId} connected on several nodes at once: [{string.Join(", ", right)}]\n{NodeLogs.Mentioning(Nodes, clientId)}");
                await Poll.UntilAsync(
                    async () => (Server: (await NodeApi.ConnectionsAsync(Nodes, clientId)).Sum(), Clients: clients.Count(c => !c.Disconnected.IsCompleted)),
                    counts => counts == (1, 1),
                    $"Round {round}: connections of {clientId} on the nodes, and clients still connected");
            }
            finally
            {
                foreach (var client in clients)
                    await client.DisposeAsync();
            }
        }
    }

    [Theory]
    [InlineData(MqttProtocolVersion.V311)]
    [InlineData(MqttProtocolVersion.V500)]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    [Trait("Spec", "MQTT-4.3.3-2")]
    [Trait("Spec", "MQTT-4.6.0-6")]
    public async Task Persistent_session_follows_its_client_to_another_node(MqttProtocolVersion version)
    {
        var clientId = Unique.ClientId("follow");
        var traffic = new NumberedTraffic("follow");
        await using var publisher = await MqttNetClient.ConnectAsync(Nodes[2].MqttPort, Unique.ClientId("followp"));
        await using (var subscriber = await ConnectPersistentAsync(Nodes[0].MqttPort, clientId, version))
        {
            await subscriber.SubscribeAsync(traffic.Filter, MqttQualityOfServiceLevel.ExactlyOnce);
            await RouteProbe.UntilRoutedAsync(publisher, traffic.ProbeTopic, () => subscriber.PendingCount, "the subscriber on node-0");
            await subscriber.DisconnectAsync();
        }
        await NodeApi.WaitUntilAwayAsync(Nodes[0], clientId);

        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.AtLeastOnce, 100);
        await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.ExactlyOnce, 20);
        await using var back = await ConnectPersistentAsync(Nodes[1].MqttPort, clientId, version);

        Assert.True(back.ConnectResult.IsSessionPresent, $"The session did not follow its client to node-1. {Nodes[1].Transcript}");
        var receipt = await traffic.ReceiveAllAsync("the subscriber back on node-1", back.ReceiveAsync,
            (topic, payload) => publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.ExactlyOnce));
        Assert.True(receipt.Qos1.OutOfOrder.Count == 0 && receipt.Qos2.OutOfOrder.Count == 0 && receipt.Qos2.Duplicates == 0, receipt.Summary);
        Assert.Empty(receipt.Unexpected);
        await AssertConnectedOnlyOnAsync(1, clientId);
        // Still subscribed, now on node-1: what node-2 publishes next arrives there.
        var after = $"{traffic.Base}/after";
        await publisher.PublishAsync(after, "still subscribed", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(after, "still subscribed", 1, false), await RouteProbe.NextAfterProbesAsync(back.ReceiveAsync, traffic.ProbeTopic));
    }

    /// <summary>
    /// A publisher on node-2 keeps publishing QoS 1 to an away persistent subscriber while its
    /// client reconnects to node-1: the session leaves node-0 mid-stream, and not one acknowledged
    /// message may fall between the two nodes.
    /// </summary>
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-4.3.2-2")]
    public async Task Messages_published_while_a_persistent_session_moves_to_another_node_all_arrive()
    {
        var clientId = Unique.ClientId("moving");
        var traffic = new NumberedTraffic("moving");
        await using var publisher = await MqttNetClient.ConnectAsync(Nodes[2].MqttPort, Unique.ClientId("movingp"));
        await using (var subscriber = await ConnectPersistentAsync(Nodes[0].MqttPort, clientId, MqttProtocolVersion.V311))
        {
            await subscriber.SubscribeAsync(traffic.Filter, MqttQualityOfServiceLevel.ExactlyOnce);
            await RouteProbe.UntilRoutedAsync(publisher, traffic.ProbeTopic, () => subscriber.PendingCount, "the subscriber on node-0");
            await subscriber.DisconnectAsync();
        }
        await NodeApi.WaitUntilAwayAsync(Nodes[0], clientId);

        using var stop = new CancellationTokenSource();
        var publishing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.AtLeastOnce, 10);
                await traffic.PublishAsync(publisher, MqttQualityOfServiceLevel.ExactlyOnce, 2);
            }
        });
        await Poll.UntilAsync(() => Task.FromResult(traffic.Qos1Acknowledged), n => n >= 50, "QoS 1 messages acknowledged before the move");
        await using var back = await ConnectPersistentAsync(Nodes[1].MqttPort, clientId, MqttProtocolVersion.V311);
        var atMove = traffic.Qos1Acknowledged;
        await Poll.UntilAsync(() => Task.FromResult(traffic.Qos1Acknowledged), n => n >= atMove + 100, "QoS 1 messages acknowledged after the move");
        await stop.CancelAsync();
        await publishing;

        Assert.True(back.ConnectResult.IsSessionPresent);
        var receipt = await traffic.ReceiveAllAsync("the subscriber back on node-1", back.ReceiveAsync,
            (topic, payload) => publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.ExactlyOnce));
        Assert.True(receipt.Qos2.Duplicates == 0, receipt.Summary);
    }

    /// <summary>Asserts that node <paramref name="node"/> lists one connection of <paramref name="clientId"/> and the others none.</summary>
    private async Task AssertConnectedOnlyOnAsync(int node, string clientId)
    {
        var expected = new int[Nodes.Count];
        expected[node] = 1;
        Assert.Equal(expected, await NodeApi.ConnectionsAsync(Nodes, clientId));
    }

    private static string ProbeOf(string willTopic) => $"{willTopic}/probe";

    /// <summary>A client on node-2 subscribed to the will topic (and below), which node-0 routes to it.</summary>
    private async Task<MqttNetClient> WatchWillAsync(string willTopic)
    {
        var watcher = await MqttNetClient.ConnectAsync(Nodes[2].MqttPort, Unique.ClientId("watcher"));
        try
        {
            await watcher.SubscribeAsync($"{willTopic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
            await using var prober = await MqttNetClient.ConnectAsync(Nodes[0].MqttPort, Unique.ClientId("prober"));
            await RouteProbe.UntilRoutedAsync(prober, ProbeOf(willTopic), () => watcher.PendingCount, "the will watcher on node-2");
        }
        catch
        {
            await watcher.DisposeAsync();
            throw;
        }
        return watcher;
    }

    /// <summary>MQTT 3.1.1 with clean session 0, or MQTT 5 with clean start 0 and a session expiry of 300 s.</summary>
    private static Task<MqttNetClient> ConnectPersistentAsync(int port, string clientId, MqttProtocolVersion version) =>
        MqttNetClient.ConnectAsync(port, clientId, o =>
        {
            if (version == MqttProtocolVersion.V500)
                o.WithProtocolVersion(MqttProtocolVersion.V500).WithCleanStart(false).WithSessionExpiryInterval(300);
            else
                o.WithCleanSession(false);
        });

    /// <summary>A clean-session CONNECT that may lose the race: null when it was refused or closed before CONNACK.</summary>
    private static async Task<MqttNetClient?> TryConnectAsync(int port, string clientId)
    {
        try
        {
            return await MqttNetClient.ConnectAsync(port, clientId);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            return null;
        }
    }
}

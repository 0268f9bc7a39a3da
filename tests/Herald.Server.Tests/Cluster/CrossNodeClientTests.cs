using Herald.Server.Tests.Durability;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// What crosses nodes besides plain routing, on three nodes sharing one redis-server: messages
/// between different client libraries (mosquitto, paho, MQTTnet), MQTT 5 properties and Message
/// Expiry, unsubscribing, the HTTP publish API, and retained messages for a node that starts later.
/// Each test first makes node 0 route its topics to the nodes of its subscribers (<see cref="RouteHolders"/>).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class CrossNodeClientTests(ThreeNodesOnRedisServer nodes) : IClassFixture<ThreeNodesOnRedisServer>
{
    [Theory]
    [InlineData(ClientKind.Mosquitto, ClientKind.Paho, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(ClientKind.Paho, ClientKind.Mosquitto, MqttQualityOfServiceLevel.ExactlyOnce)]
    [InlineData(ClientKind.MQTTnet, ClientKind.Mosquitto, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(ClientKind.Mosquitto, ClientKind.MQTTnet, MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task Message_from_one_client_library_on_node_0_reaches_another_on_node_2(ClientKind publisher, ClientKind subscriber, MqttQualityOfServiceLevel qos)
    {
        var topic = Unique.Topic("xlib");
        await using var holders = await RouteHolders.HoldAsync(Port(0), (Port(2), topic, topic));
        await using var subscription = await Clients.SubscribeAsync(subscriber, Port(2), topic, qos);
        await holders.ReleaseAsync();

        await Clients.PublishAsync(publisher, Port(0), topic, $"from {publisher}", qos);

        Assert.Equal(new Received(topic, $"from {publisher}", (int)qos, false), await subscription.ReceiveAsync());
    }

    [Theory]
    [InlineData(ClientKind.MQTTnet, ClientKind.Mosquitto)]
    [InlineData(ClientKind.Mosquitto, ClientKind.Paho)]
    [InlineData(ClientKind.Paho, ClientKind.MQTTnet)]
    [Trait("Spec", "MQTT-3.3.2-4")]
    [Trait("Spec", "MQTT-3.3.2-6")]
    [Trait("Spec", "MQTT-3.3.2-15")]
    [Trait("Spec", "MQTT-3.3.2-16")]
    [Trait("Spec", "MQTT-3.3.2-17")]
    [Trait("Spec", "MQTT-3.3.2-18")]
    [Trait("Spec", "MQTT-3.3.2-20")]
    public async Task Message_properties_arrive_unchanged_on_another_node(ClientKind publisher, ClientKind subscriber)
    {
        const uint Expiry = 600;
        var topic = Unique.Topic("xprops");
        await using var holders = await RouteHolders.HoldAsync(Port(0), (Port(1), topic, topic));
        await using var subscription = await Mqtt5Clients.SubscribeAsync(subscriber, Port(1), topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await holders.ReleaseAsync();
        var sent = new Mqtt5Message(topic, $"{{\"from\":\"{publisher}\"}}", 1)
        {
            ContentType = "application/json",
            ResponseTopic = Unique.Topic("xprops-reply"),
            CorrelationData = $"corr-{publisher}-{subscriber}",
            PayloadFormatIndicator = 1,
            MessageExpiryInterval = Expiry,
            // A name repeated, not adjacent, and values that sort otherwise than they travel.
            UserProperties = [new("k", "3"), new("a", "first a"), new("k", "1"), new("ключ", "välue ✓"), new("z", "")],
        };

        await Mqtt5Clients.PublishAsync(publisher, Port(0), sent);

        var received = await subscription.ReceiveAsync();
        Assert.Equal((sent.Topic, sent.Payload, 1, false), (received.Topic, received.Payload, received.QoS, received.Retain));
        Assert.Equal(sent.UserProperties, received.UserProperties);
        Assert.Equal((sent.ContentType, sent.ResponseTopic, sent.CorrelationData), (received.ContentType, received.ResponseTopic, received.CorrelationData));
        Assert.Equal(sent.PayloadFormatIndicator, received.PayloadFormatIndicator);
        Assert.NotNull(received.MessageExpiryInterval);
        Assert.InRange(received.MessageExpiryInterval.Value, 1u, Expiry);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Subscription_identifier_of_a_subscriber_on_another_node_comes_with_the_message()
    {
        var topic = Unique.Topic("xsubid");
        await using var holders = await RouteHolders.HoldAsync(Port(0), (Port(2), topic, topic));
        await using var subscriber = await Mqtt5Client.ConnectAsync(Port(2), Unique.ClientId("n5subid"));
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).WithSubscriptionIdentifier(4242).Build());
        await holders.ReleaseAsync();

        await Mqtt5Clients.PublishAsync(ClientKind.Paho, Port(0), new Mqtt5Message(topic, "identified", 1));

        var received = await subscriber.ReceiveAsync();
        Assert.Equal("identified", received.Payload);
        Assert.Equal([4242u], received.SubscriptionIdentifiers);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public async Task Message_queued_on_another_node_for_an_offline_session_expires_there_or_arrives_with_what_remains()
    {
        const uint Long = 600, Short = 2;
        var topic = Unique.Topic("xexpiry");
        var clientId = Unique.ClientId("n5away");
        await using (var holders = await RouteHolders.HoldAsync(Port(0), (Port(2), topic, topic)))
        {
            await using var first = await ConnectPersistentAsync(2, clientId);
            await first.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await holders.ReleaseAsync();
            await first.DisconnectAsync();
        }
        using var api = new NodeApi(nodes[2]);
        await Poll.UntilAsync(async () => (await api.GetAsync($"sessions/{clientId}")).GetProperty("connected").GetBoolean(), c => !c, $"the session of {clientId} on node 2 with no client attached");

        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, Port(0), new Mqtt5Message(topic, "long", 1) { MessageExpiryInterval = Long });
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, Port(0), new Mqtt5Message(topic, "short", 1) { MessageExpiryInterval = Short });

        // Both wait on node 2; the short one is dropped there once its expiry, counted from its publication on node 0, has passed.
        await Poll.UntilAsync(QueuedAsync, n => n == 2, $"messages queued for {clientId} on node 2");
        await Poll.UntilAsync(QueuedAsync, n => n == 1, $"messages queued for {clientId} on node 2, the short-lived one purged");
        await using var back = await ConnectPersistentAsync(2, clientId);
        Assert.True(back.ConnectResult.IsSessionPresent);
        var received = await back.ReceiveAsync();
        Assert.Equal("long", received.Payload);
        Assert.NotNull(received.MessageExpiryInterval);
        Assert.InRange(received.MessageExpiryInterval.Value, 1u, Long - Short);
        await back.PublishAsync(topic, "marker", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("marker", (await back.ReceiveAsync()).Payload);

        async Task<int> QueuedAsync() => (await api.GetAsync($"sessions/{clientId}")).GetProperty("queued").GetInt32();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.4-2")]
    public async Task Unsubscribing_on_one_node_stops_delivery_there_while_another_node_still_receives()
    {
        var topic = Unique.Topic("xunsub");
        var control = $"{topic}-control";
        await using var holders = await RouteHolders.HoldAsync(Port(0), (Port(1), topic, topic), (Port(1), control, control), (Port(2), topic, topic));
        await using var on1 = await MqttNetClient.ConnectAsync(Port(1), Unique.ClientId("sub1"));
        await on1.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await on1.SubscribeAsync(control, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var on2 = await MqttNetClient.ConnectAsync(Port(2), Unique.ClientId("sub2"));
        await on2.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await holders.ReleaseAsync();
        await using var publisher = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));
        await publisher.PublishAsync(topic, "before", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("before", (await on1.ReceiveAsync()).Payload);
        Assert.Equal("before", (await on2.ReceiveAsync()).Payload);

        using (var cts = new CancellationTokenSource(Wait.Bound))
            await on1.Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(topic).Build(), cts.Token);
        await publisher.PublishAsync(topic, "after", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync(control, "marker", MqttQualityOfServiceLevel.AtLeastOnce);

        var next = await on1.ReceiveAsync();
        Assert.Equal((control, "marker"), (next.Topic, next.Payload));
        Assert.Equal("after", (await on2.ReceiveAsync()).Payload);
        // The route is gone from Redis, and node 0 stops sending node 1 the topic's messages.
        await Poll.UntilAsync(() => nodes.Redis.SetContainsAsync("herald:node:{node-1}:routes", topic), held => !held, "node 1's route in Redis");
        await Poll.UntilAsync(
            async () =>
            {
                var before = await nodes.LastInboxEntryAsync(1);
                await publisher.PublishAsync(topic, "not for node 1", MqttQualityOfServiceLevel.AtLeastOnce); // PUBACK once forwards are in Redis
                return before == await nodes.LastInboxEntryAsync(1);
            },
            unchanged => unchanged,
            "node 1's inbox left alone by a message on the topic it unsubscribed from");
        Assert.Equal(0, on1.PendingCount);
    }

    [Fact]
    public async Task Http_publish_on_one_node_reaches_a_subscriber_on_another()
    {
        var topic = Unique.Topic("xhttp");
        await using var holders = await RouteHolders.HoldAsync(Port(0), (Port(2), topic, topic));
        await using var subscriber = await Mosquitto.SubscribeAsync(Port(2), topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await holders.ReleaseAsync();
        using var api = new NodeApi(nodes[0]);

        await api.PublishAsync(new { topic, payload = "pushed over http", qos = 1 });

        Assert.Equal(new Received(topic, "pushed over http", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-6")]
    public async Task Retained_message_is_sent_on_subscribe_by_a_node_started_after_it_was_published()
    {
        var topic = Unique.Topic("xlate");
        await Paho.PublishAsync(Port(0), topic, "kept in redis", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        await using var late = await StartNodeAsync("node-late");
        await using var subscriber = await Mosquitto.SubscribeAsync(late.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(new Received(topic, "kept in redis", 1, true), await subscriber.ReceiveAsync());
        await Paho.PublishAsync(Port(0), topic, "", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
    }

    /// <summary>
    /// A starting node reads the retained messages from Redis before it is a member, and the
    /// others send a new retained message only to the members they saw at their last heartbeat:
    /// one published between the two is in neither.
    /// </summary>
    [Fact]
    [Trait("Spec", "MQTT-3.3.1-6")]
    public async Task Node_started_while_retained_messages_are_published_holds_every_one_of_them()
    {
        var prefix = Unique.Topic("xjoin");
        var published = 0;
        using var stop = new CancellationTokenSource();
        var publishing = Task.Run(async () =>
        {
            await using var publisher = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));
            while (!stop.IsCancellationRequested)
            {
                await publisher.PublishAsync($"{prefix}/{published}", $"v{published}", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
                published++;
            }
        });

        await using var late = await StartNodeAsync("node-joining");
        await ThreeNodes.WaitForMembersAsync(nodes[0], 4); // from here on node 0 sends its retained messages to the new node
        await stop.CancelAsync();
        await publishing;

        // Read from the node's retained store through its API: a SUBSCRIBE would get at most
        // Herald:Mqtt:MaxQueuedMessages of them at once, and this many exceed it.
        using var api = new NodeApi(late);
        var held = await RetainedTopicsAsync(api, $"{prefix}/#");
        for (var deadline = DateTime.UtcNow + Wait.Bound; held.Count < published && DateTime.UtcNow < deadline; await Task.Delay(100))
            held = await RetainedTopicsAsync(api, $"{prefix}/#");
        var missing = Enumerable.Range(0, published).Where(n => !held.Contains($"{prefix}/{n}")).ToList();
        Assert.True(missing.Count == 0,
            $"The node that started meanwhile holds {held.Count} of the {published} retained messages; it lacks {missing.Count}: {Ranges(missing)}");
    }

    private int Port(int node) => nodes[node].MqttPort;

    private Task<Mqtt5Client> ConnectPersistentAsync(int node, string clientId) =>
        Mqtt5Client.ConnectAsync(Port(node), clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));

    /// <summary>A fourth node, <paramref name="nodeId"/>, joined to the same Redis and counted as a member by itself.</summary>
    private async Task<HeraldProcess> StartNodeAsync(string nodeId)
    {
        var node = HeraldProcess.Create([$"--Herald:Cluster:Redis={nodes.RedisConfiguration}", $"--Herald:Cluster:NodeId={nodeId}", .. ThreeNodes.NodeArguments()]);
        try
        {
            await node.StartAsync();
            await ThreeNodes.WaitForMembersAsync(node, 4);
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
        return node;
    }

    /// <summary>The topics of the retained messages a new subscriber to <paramref name="filter"/> gets, up to a message published after its SUBACK.</summary>
    private static async Task<HashSet<string>> RetainedTopicsAsync(NodeApi api, string filter)
    {
        var topics = new HashSet<string>(StringComparer.Ordinal);
        for (var offset = 0; ; offset += 1000)
        {
            var page = await api.GetAsync($"retained?filter={Uri.EscapeDataString(filter)}&offset={offset}&limit=1000");
            foreach (var item in page.GetProperty("items").EnumerateArray())
                topics.Add(item.GetProperty("topic").GetString()!);
            if (offset + 1000 >= page.GetProperty("total").GetInt32())
                return topics;
        }
    }

    /// <summary>"3-7, 9" for [3, 4, 5, 6, 7, 9].</summary>
    private static string Ranges(List<int> numbers)
    {
        var parts = new List<string>();
        for (var i = 0; i < numbers.Count;)
        {
            var j = i;
            while (j + 1 < numbers.Count && numbers[j + 1] == numbers[j] + 1)
                j++;
            parts.Add(i == j ? $"{numbers[i]}" : $"{numbers[i]}-{numbers[j]}");
            i = j + 1;
        }
        return string.Join(", ", parts);
    }
}

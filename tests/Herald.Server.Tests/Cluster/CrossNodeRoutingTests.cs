using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// A message published on one node of a cluster reaches the subscribers on the others, as if
/// they were all on one broker: at the QoS each asked for, once, through wildcards and shared
/// groups that span nodes, and retained for whoever subscribes anywhere later. Run against each
/// kind of Redis the nodes can share (the subclasses). A marker published last, behind the
/// messages a test counts, shows that no second copy of them came: it would have come before it.
/// Before its subscribers subscribe, a test lets node 0 learn their routes (<see cref="RouteHolders"/>),
/// but for the tests of what a client may expect right after an acknowledgement.
/// </summary>
public abstract class CrossNodeRoutingTests(ThreeNodes nodes)
{
    private const int SharedMessages = 20;

    /// <summary>The hash of every retained message in Redis (ClusterKeys.Retained).</summary>
    private const string RetainedKey = "herald:{retained}";

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task Message_published_on_one_node_reaches_subscribers_on_both_other_nodes(MqttQualityOfServiceLevel qos)
    {
        var topic = Unique.Topic("xnode");
        await using var holders = await HoldAsync(topic, 1, 2);
        await using var on1 = await SubscribeAsync(1, topic, qos);
        await using var on2 = await SubscribeAsync(2, topic, qos);
        await holders.ReleaseAsync();
        await using var publisher = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));

        // At QoS 1 and 2 this returns once PUBACK (PUBCOMP) came back with success.
        await publisher.PublishAsync(topic, $"at qos {(int)qos}", qos);

        Assert.Equal(new Received(topic, $"at qos {(int)qos}", (int)qos, false), await on1.ReceiveAsync());
        Assert.Equal(new Received(topic, $"at qos {(int)qos}", (int)qos, false), await on2.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    [Trait("Spec", "MQTT-4.6.0-6")]
    public async Task Qos2_messages_published_on_one_node_arrive_exactly_once_and_in_order_on_each_other_node()
    {
        var topic = Unique.Topic("xqos2");
        await using var holders = await HoldAsync(topic, 1, 2);
        await using var on1 = await Mqtt5Client.ConnectAsync(Port(1), Unique.ClientId("n5sub1"));
        await on1.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        await using var on2 = await Mqtt5Client.ConnectAsync(Port(2), Unique.ClientId("n5sub2"));
        await on2.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        await holders.ReleaseAsync();
        await using var publisher = await Mqtt5Client.ConnectAsync(Port(0), Unique.ClientId("n5pub0"));

        string[] sent = [.. Enumerable.Range(0, 10).Select(n => $"m{n}"), "marker"];
        foreach (var payload in sent)
            await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.ExactlyOnce);

        foreach (var subscriber in new[] { on1, on2 })
        {
            var received = new List<Mqtt5Message>();
            foreach (var _ in sent)
                received.Add(await subscriber.ReceiveAsync());
            Assert.Equal(sent, received.Select(m => m.Payload));
            Assert.All(received, m => Assert.Equal(2, m.QoS));
        }
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.2-4")]
    public async Task Qos1_publish_whose_only_subscriber_is_on_another_node_is_acknowledged_as_delivered()
    {
        var topic = Unique.Topic("xpuback");
        await using var holders = await HoldAsync(topic, 2);
        await using var on2 = await Mqtt5Client.ConnectAsync(Port(2), Unique.ClientId("n5sub2"));
        await on2.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await holders.ReleaseAsync();
        await using var publisher = await Mqtt5Client.ConnectAsync(Port(0), Unique.ClientId("n5pub0"));

        var delivered = await publisher.PublishAsync(Message(topic, "to node 2", MqttQualityOfServiceLevel.AtLeastOnce));
        var unheard = await publisher.PublishAsync(Message($"{topic}/nobody", "to nobody", MqttQualityOfServiceLevel.AtLeastOnce));

        // 0x10 No matching subscribers would tell the publisher nobody got it, which is untrue.
        Assert.Equal(MqttClientPublishReasonCode.Success, delivered.ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, unheard.ReasonCode);
        Assert.Equal("to node 2", (await on2.ReceiveAsync()).Payload);
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce, MqttQualityOfServiceLevel.ExactlyOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce, MqttQualityOfServiceLevel.ExactlyOnce)]
    [Trait("Spec", "MQTT-3.8.4-8")]
    public async Task Message_crossing_nodes_is_delivered_at_the_lower_of_published_and_granted_qos(MqttQualityOfServiceLevel published, MqttQualityOfServiceLevel granted)
    {
        var topic = Unique.Topic("xminqos");
        await using var holders = await HoldAsync(topic, 1);
        await using var on1 = await Mqtt5Client.ConnectAsync(Port(1), Unique.ClientId("n5sub1"));
        await on1.SubscribeAsync(topic, granted);
        await holders.ReleaseAsync();
        await using var publisher = await Mqtt5Client.ConnectAsync(Port(0), Unique.ClientId("n5pub0"));

        await publisher.PublishAsync(topic, "min", published);

        var received = await on1.ReceiveAsync();
        Assert.Equal(("min", (int)Math.Min((int)published, (int)granted)), (received.Payload, received.QoS));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [Trait("Spec", "MQTT-4.7.1-3")]
    public async Task Wildcard_subscriptions_on_other_nodes_match_by_level()
    {
        var prefix = Unique.Topic("xwild");
        await using var holders = await HoldAsync((1, $"{prefix}/+/temp", $"{prefix}/probe/temp"), (2, $"{prefix}/#", $"{prefix}/probe"));
        await using var plus = await SubscribeAsync(1, $"{prefix}/+/temp", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var hash = await SubscribeAsync(2, $"{prefix}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await holders.ReleaseAsync();
        await using var publisher = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));
        string[] topics = [$"{prefix}/kitchen/temp", $"{prefix}/kitchen/humidity", $"{prefix}/attic/a/temp", prefix, $"{prefix}/hall/temp"];

        foreach (var topic in topics)
            await publisher.PublishAsync(topic, topic, MqttQualityOfServiceLevel.AtLeastOnce);

        // "+" is one level exactly; "#" is any number of levels, its parent level too.
        Assert.Equal([$"{prefix}/kitchen/temp", $"{prefix}/hall/temp"], [(await plus.ReceiveAsync()).Topic, (await plus.ReceiveAsync()).Topic]);
        var all = new List<string>();
        foreach (var _ in topics)
            all.Add((await hash.ReceiveAsync()).Topic);
        Assert.Equal(topics, all);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Subscribers_on_the_publishing_node_and_on_the_others_each_get_every_message_once()
    {
        var prefix = Unique.Topic("xonce");
        var topic = $"{prefix}/reading";
        await using var holders = await HoldAsync((1, topic, topic), (2, $"{prefix}/+", $"{prefix}/probe"));
        await using var local = await SubscribeAsync(0, $"{prefix}/#", MqttQualityOfServiceLevel.ExactlyOnce);
        await using var on1 = await SubscribeAsync(1, topic, MqttQualityOfServiceLevel.ExactlyOnce);
        await using var on2 = await SubscribeAsync(2, $"{prefix}/+", MqttQualityOfServiceLevel.ExactlyOnce);
        await holders.ReleaseAsync();
        await using var publisher = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));
        string[] sent = [.. Enumerable.Range(0, 5).Select(n => $"m{n}"), "marker"];

        foreach (var payload in sent)
            await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.ExactlyOnce);

        foreach (var subscriber in new[] { local, on1, on2 })
        {
            var received = new List<string>();
            foreach (var _ in sent)
                received.Add((await subscriber.ReceiveAsync()).Payload);
            Assert.Equal(sent, received);
        }
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.5-1")]
    public async Task Overlapping_subscriptions_on_another_node_get_one_copy_at_the_highest_qos()
    {
        var prefix = Unique.Topic("xoverlap");
        var topic = $"{prefix}/x";
        await using var holders = await HoldAsync((1, $"{prefix}/+", topic), (1, $"{prefix}/#", topic), (1, topic, topic));
        await using var subscriber = await MqttNetClient.ConnectAsync(Port(1), Unique.ClientId("sub1"));
        await subscriber.SubscribeAsync($"{prefix}/+", MqttQualityOfServiceLevel.AtMostOnce);
        await subscriber.SubscribeAsync($"{prefix}/#", MqttQualityOfServiceLevel.ExactlyOnce);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await holders.ReleaseAsync();
        await using var publisher = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));

        // Node 1 has three routes that match: node 0 still sends it the message once.
        await publisher.PublishAsync(topic, "once", MqttQualityOfServiceLevel.ExactlyOnce);
        await publisher.PublishAsync(topic, "marker", MqttQualityOfServiceLevel.ExactlyOnce);

        Assert.Equal(new Received(topic, "once", 2, false), await subscriber.ReceiveAsync());
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-12")]
    [Trait("Spec", "MQTT-3.3.1-13")]
    public async Task Retain_as_published_on_another_node_keeps_the_retain_flag_of_a_live_message()
    {
        var topic = Unique.Topic("xrap");
        await using var holders = await HoldAsync(topic, 1, 2);
        await using var keeps = await Mqtt5Client.ConnectAsync(Port(1), Unique.ClientId("n5rap"));
        await keeps.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainAsPublished(true)).Build());
        await using var clears = await Mqtt5Client.ConnectAsync(Port(2), Unique.ClientId("n5norap"));
        await clears.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(topic).WithAtLeastOnceQoS().WithRetainAsPublished(false)).Build());
        await holders.ReleaseAsync();
        await using var publisher = await Mqtt5Client.ConnectAsync(Port(0), Unique.ClientId("n5pub0"));

        await publisher.PublishAsync(topic, "retained", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        await publisher.PublishAsync(topic, "plain", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal([("retained", true), ("plain", false)], [Short(await keeps.ReceiveAsync()), Short(await keeps.ReceiveAsync())]);
        Assert.Equal([("retained", false), ("plain", false)], [Short(await clears.ReceiveAsync()), Short(await clears.ReceiveAsync())]);
        await publisher.PublishAsync(topic, "", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        static (string, bool) Short(Mqtt5Message m) => (m.Payload, m.Retain);
    }

    [Fact]
    public async Task Message_goes_only_into_the_inboxes_of_nodes_with_a_matching_route()
    {
        var topic = Unique.Topic("xinbox");
        await using var holders = await HoldAsync(topic, 1);
        await using var on1 = await SubscribeAsync(1, topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await holders.ReleaseAsync();
        await using var publisher = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));
        var before = await Task.WhenAll(Enumerable.Range(0, 3).Select(nodes.LastInboxEntryAsync));

        // PUBACK comes once the message is in the inbox of every node it goes to.
        for (var n = 0; n < 3; n++)
            await publisher.PublishAsync(topic, $"m{n}", MqttQualityOfServiceLevel.AtLeastOnce);
        for (var n = 0; n < 3; n++)
            Assert.Equal($"m{n}", (await on1.ReceiveAsync()).Payload);

        Assert.True(await nodes.Redis.SetContainsAsync("herald:node:{node-1}:routes", topic));
        Assert.False(await nodes.Redis.SetContainsAsync("herald:node:{node-2}:routes", topic));
        var after = await Task.WhenAll(Enumerable.Range(0, 3).Select(nodes.LastInboxEntryAsync));
        Assert.NotEqual(before[1], after[1]);
        Assert.Equal((before[0], before[2]), (after[0], after[2]));
    }

    [Fact]
    public async Task Shared_group_with_members_on_two_other_nodes_takes_each_message_once_in_turn_between_them()
    {
        var topic = Unique.Topic("xshare");
        await using var holders = await HoldAsync(
            (1, $"$share/g/{topic}", topic), (2, $"$share/g/{topic}", topic), (1, ControlTopic(topic, 1), ControlTopic(topic, 1)), (2, ControlTopic(topic, 2), ControlTopic(topic, 2)));
        await using var member1 = await JoinGroupAsync(1, topic, 1);
        await using var member2 = await JoinGroupAsync(2, topic, 2);
        await holders.ReleaseAsync();

        await PublishThenMarkersAsync(0, topic, [1, 2]);

        var shares = new[] { await ShareAsync(member1, ControlTopic(topic, 1)), await ShareAsync(member2, ControlTopic(topic, 2)) };
        AssertSplitExactlyOnce(shares);
        // The group's nodes take its messages in turn.
        Assert.All(shares, share => Assert.Equal(SharedMessages / 2, share.Count));
    }

    [Fact]
    public async Task Shared_group_with_members_on_the_publishing_node_and_another_takes_each_message_once()
    {
        var topic = Unique.Topic("xshare");
        await using var holders = await HoldAsync((1, $"$share/g/{topic}", topic), (1, ControlTopic(topic, 1), ControlTopic(topic, 1)));
        await using var local = await JoinGroupAsync(0, topic, 0);
        await using var remote = await JoinGroupAsync(1, topic, 1);
        await holders.ReleaseAsync();

        await PublishThenMarkersAsync(0, topic, [0, 1]);

        var shares = new[] { await ShareAsync(local, ControlTopic(topic, 0)), await ShareAsync(remote, ControlTopic(topic, 1)) };
        AssertSplitExactlyOnce(shares);
        Assert.All(shares, share => Assert.Equal(SharedMessages / 2, share.Count));
    }

    /// <summary>
    /// SUBACK waits until the new route is in Redis and announced on its channel
    /// (SubscribeHandler), not until the other nodes have taken the announcement in: a message
    /// published on another node in between finds no route there, is acknowledged with 0x10 No
    /// matching subscribers and never reaches the subscriber, though its SUBACK came first.
    /// </summary>
    [Fact]
    public async Task Message_published_on_another_node_right_after_suback_reaches_the_new_subscriber()
    {
        const int Rounds = 200;
        await using var publisher = await Mqtt5Client.ConnectAsync(Port(0), Unique.ClientId("n5pub0"));
        await using var subscriber = await Mqtt5Client.ConnectAsync(Port(2), Unique.ClientId("n5sub2"));
        var prefix = Unique.Topic("xsuback");
        var unrouted = new List<int>();

        for (var round = 0; round < Rounds; round++)
        {
            await subscriber.SubscribeAsync($"{prefix}/{round}", MqttQualityOfServiceLevel.AtLeastOnce);
            var ack = await publisher.PublishAsync(Message($"{prefix}/{round}", $"r{round}", MqttQualityOfServiceLevel.AtLeastOnce));
            if (ack.ReasonCode != MqttClientPublishReasonCode.Success)
                unrouted.Add(round);
        }
        // By now node 0 knows the routes: the marker goes behind whatever was routed.
        await Poll.UntilAsync(
            async () => (await publisher.PublishAsync(Message($"{prefix}/0", "marker", MqttQualityOfServiceLevel.AtLeastOnce))).ReasonCode,
            reason => reason == MqttClientPublishReasonCode.Success,
            "the PUBACK of a marker once the routes are known");

        var received = new List<string>();
        for (var m = await subscriber.ReceiveAsync(); m.Payload != "marker"; m = await subscriber.ReceiveAsync())
            received.Add(m.Payload);
        var lost = Enumerable.Range(0, Rounds).Where(r => !received.Contains($"r{r}")).ToList();
        Assert.True(lost.Count == 0 && unrouted.Count == 0,
            $"{lost.Count} of {Rounds} QoS 1 messages published on node 0 right after the subscriber's SUBACK on node 2 never arrived "
            + $"(rounds {string.Join(", ", lost.Take(20))}); {unrouted.Count} were acknowledged with 0x10 No matching subscribers.");
    }

    /// <summary>
    /// A clean session's UNSUBACK does not wait for its route's removal to reach the other nodes
    /// (UnsubscribeHandler): until it does, node 0 keeps giving the node the member left its turn
    /// of the group's messages, and that node, with no member left, drops them.
    /// </summary>
    [Fact]
    public async Task Shared_group_messages_published_right_after_a_member_left_go_to_the_member_that_remains()
    {
        const int Messages = 10;
        var topic = Unique.Topic("xshareleft");
        var filter = $"$share/g/{topic}";
        await using var holders = await HoldAsync((1, filter, topic), (2, filter, topic), (2, ControlTopic(topic, 2), ControlTopic(topic, 2)));
        await using var leaving = await JoinGroupAsync(1, topic, 1);
        await using var staying = await JoinGroupAsync(2, topic, 2);
        await holders.ReleaseAsync();
        await using var publisher = await Mqtt5Client.ConnectAsync(Port(0), Unique.ClientId("n5pub0"));

        using (var cts = new CancellationTokenSource(Wait.Bound))
            await leaving.Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build(), cts.Token);
        for (var n = 0; n < Messages; n++)
            await publisher.PublishAsync(topic, $"m{n}", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync(ControlTopic(topic, 2), "marker", MqttQualityOfServiceLevel.AtLeastOnce);

        var share = await ShareAsync(staying, ControlTopic(topic, 2));
        Assert.True(share.Count == Messages,
            $"The member that stayed got {share.Count} of the {Messages} QoS 1 messages published after the other left: {string.Join(", ", share)}; "
            + $"the one that left got {leaving.PendingCount}.");
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-5")]
    [Trait("Spec", "MQTT-3.3.1-6")]
    [Trait("Spec", "MQTT-3.3.1-9")]
    public async Task Retained_message_published_on_one_node_is_sent_on_subscribe_on_another()
    {
        var topic = Unique.Topic("xretain");
        await using var holders = await HoldAsync(topic, 1);
        await using var established = await SubscribeAsync(1, topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await holders.ReleaseAsync();
        await using var publisher = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));

        await publisher.PublishAsync(topic, "state", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        // To a subscription made before, RETAIN is 0; to one made after, 1.
        Assert.Equal(new Received(topic, "state", 1, false), await established.ReceiveAsync());
        Assert.Equal(new Received(topic, "state", 1, true), await HeldAsync(2, topic));
        await publisher.PublishAsync(topic, "", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    [Trait("Spec", "MQTT-3.3.1-11")]
    public async Task Empty_retained_message_published_on_another_node_clears_it_on_every_node()
    {
        var topic = Unique.Topic("xclear");
        await Clients.PublishAsync(ClientKind.MQTTnet, Port(0), topic, "to be cleared", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        for (var node = 0; node < 3; node++)
            Assert.Equal(new Received(topic, "to be cleared", 1, true), await HeldAsync(node, topic));
        Assert.True(await nodes.Redis.HashExistsAsync(RetainedKey, topic));

        await Clients.PublishAsync(ClientKind.MQTTnet, Port(1), topic, "", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        Assert.False(await nodes.Redis.HashExistsAsync(RetainedKey, topic));
        for (var node = 0; node < 3; node++)
            Assert.Null(await HeldAsync(node, topic, retained => retained is null));
    }

    /// <summary>
    /// A node takes in a retained message published elsewhere when it reads its inbox, which the
    /// publisher's PUBACK does not wait for: a client that subscribes there right after the PUBACK
    /// may get the retained message as it was before. Each round sets a retained message on node 0
    /// and clears it on node 1, and subscribes on node 2 right after each PUBACK.
    /// </summary>
    [Fact]
    [Trait("Spec", "MQTT-3.3.1-6")]
    [Trait("Spec", "MQTT-3.3.1-10")]
    public async Task Retained_message_set_or_cleared_on_one_node_is_what_a_subscriber_on_another_gets_right_after_the_puback()
    {
        const int Rounds = 15;
        var topic = Unique.Topic("xretainnow");
        await using var setter = await MqttNetClient.ConnectAsync(Port(0), Unique.ClientId("pub0"));
        await using var clearer = await MqttNetClient.ConnectAsync(Port(1), Unique.ClientId("pub1"));
        var stale = new List<string>();

        for (var round = 0; round < Rounds; round++)
        {
            await setter.PublishAsync(topic, $"v{round}", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            var afterSet = await RetainedOnSubscribeAsync(2, topic);
            if (afterSet?.Payload != $"v{round}")
                stale.Add($"round {round}: after v{round} was set, a new subscriber got {afterSet?.Payload ?? "none"}");
            await clearer.PublishAsync(topic, "", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
            if (await RetainedOnSubscribeAsync(2, topic) is { } afterClear)
                stale.Add($"round {round}: after v{round} was cleared, a new subscriber got {afterClear.Payload}");
        }

        Assert.True(stale.Count == 0, $"{stale.Count} of {2 * Rounds} subscriptions on node 2 got a stale retained state: {string.Join("; ", stale)}");
    }

    private int Port(int node) => nodes[node].MqttPort;

    /// <summary>Makes node 0 route <paramref name="topic"/> to each of <paramref name="onNodes"/> (see <see cref="RouteHolders"/>).</summary>
    private Task<RouteHolders> HoldAsync(string topic, params int[] onNodes) =>
        HoldAsync([.. onNodes.Select(n => (n, topic, topic))]);

    private Task<RouteHolders> HoldAsync(params (int Node, string Filter, string ProbeTopic)[] routes) =>
        RouteHolders.HoldAsync(Port(0), [.. routes.Select(r => (Port(r.Node), r.Filter, r.ProbeTopic))]);

    private async Task<MqttNetClient> SubscribeAsync(int node, string filter, MqttQualityOfServiceLevel qos)
    {
        var client = await MqttNetClient.ConnectAsync(Port(node), Unique.ClientId($"sub{node}"));
        try
        {
            await client.SubscribeAsync(filter, qos);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
        return client;
    }

    /// <summary>
    /// What a new subscriber on <paramref name="node"/> gets of <paramref name="topic"/> before a
    /// message published there after its SUBACK: the retained message, or null when there was none.
    /// </summary>
    private async Task<Received?> RetainedOnSubscribeAsync(int node, string topic)
    {
        await using var subscriber = await SubscribeAsync(node, topic, MqttQualityOfServiceLevel.AtLeastOnce);
        var marker = $"marker {Guid.NewGuid():N}";
        await Clients.PublishAsync(ClientKind.MQTTnet, Port(node), topic, marker, MqttQualityOfServiceLevel.AtLeastOnce);
        var first = await subscriber.ReceiveAsync();
        return first.Payload == marker ? null : first;
    }

    /// <summary>
    /// The retained message of <paramref name="topic"/> a new subscriber on <paramref name="node"/>
    /// gets once <paramref name="done"/> (by default: there is one): a node takes in what another
    /// published when it reads its inbox, a moment after the publisher's PUBACK.
    /// </summary>
    private Task<Received?> HeldAsync(int node, string topic, Func<Received?, bool>? done = null) =>
        Poll.UntilAsync(() => RetainedOnSubscribeAsync(node, topic), done ?? (retained => retained is not null), $"the retained message of {topic} on node {node}");

    private static MqttApplicationMessage Message(string topic, string payload, MqttQualityOfServiceLevel qos) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel(qos).Build();

    private static string ControlTopic(string topic, int node) => $"{topic}-control/{node}";

    /// <summary>An MQTT 5 client on <paramref name="node"/> in group <c>g</c> of <paramref name="topic"/>, and on a control topic of its own.</summary>
    private async Task<Mqtt5Client> JoinGroupAsync(int node, string topic, int member)
    {
        var client = await Mqtt5Client.ConnectAsync(Port(node), Unique.ClientId($"n5m{member}"));
        try
        {
            await client.SubscribeAsync($"$share/g/{topic}", MqttQualityOfServiceLevel.AtLeastOnce);
            await client.SubscribeAsync(ControlTopic(topic, member), MqttQualityOfServiceLevel.AtLeastOnce);
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
        return client;
    }

    /// <summary>Publishes m0..m19 on <paramref name="node"/>, each acknowledged, then a marker to each member's control topic.</summary>
    private async Task PublishThenMarkersAsync(int node, string topic, int[] members)
    {
        await using var publisher = await Mqtt5Client.ConnectAsync(Port(node), Unique.ClientId("n5pub"));
        for (var n = 0; n < SharedMessages; n++)
            await publisher.PublishAsync(topic, $"m{n}", MqttQualityOfServiceLevel.AtLeastOnce);
        foreach (var member in members)
            await publisher.PublishAsync(ControlTopic(topic, member), "marker", MqttQualityOfServiceLevel.AtLeastOnce);
    }

    /// <summary>What one member received before its marker.</summary>
    private static async Task<List<string>> ShareAsync(Mqtt5Subscriber member, string controlTopic)
    {
        var share = new List<string>();
        for (var m = await member.ReceiveAsync(); m.Topic != controlTopic; m = await member.ReceiveAsync())
            share.Add(m.Payload);
        return share;
    }

    private static void AssertSplitExactlyOnce(IEnumerable<List<string>> shares)
    {
        Assert.Equal(Enumerable.Range(0, SharedMessages).Select(n => $"m{n}").Order(), shares.SelectMany(s => s).Order());
    }
}

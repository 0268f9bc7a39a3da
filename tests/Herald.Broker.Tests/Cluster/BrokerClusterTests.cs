using System.Text;
using Herald.Broker.Cluster;
using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Cluster;

/// <summary>
/// The engine as one node of a cluster, the other nodes standing behind a <see cref="FakeClusterBus"/>:
/// what it forwards and what it leaves to them, what it takes from them (forwarded messages,
/// adopted sessions) and gives up (released sessions), and the claim of a client id before CONNACK.
/// </summary>
public sealed class BrokerClusterTests
{
    private static readonly HashSet<string> GroupG = new(StringComparer.Ordinal) { "$share/g/jobs" };

    [Fact]
    public async Task Message_published_here_is_forwarded_to_the_cluster()
    {
        using var node = new ClusteredTestBroker();
        var publisher = await node.ConnectAsync("pub");

        await publisher.PublishAsync("a/b", "hello", AtLeastOnce);

        var forwarded = Assert.Single(node.Bus.Forwarded);
        Assert.Equal("a/b", forwarded.Topic);
        Assert.Equal("hello", Encoding.UTF8.GetString(forwarded.Payload.Span));
        Assert.Equal(AtLeastOnce, forwarded.QoS);
        Assert.Equal("pub", forwarded.OriginClientId);
    }

    [Fact]
    public async Task Will_published_here_is_forwarded_to_the_cluster()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.ConnectAsync("c1", will: new ConnectWill("wills/c1", "gone"u8.ToArray(), AtLeastOnce, Retain: false));

        client.LoseConnection();

        var forwarded = Assert.Single(node.Bus.Forwarded);
        Assert.Equal("wills/c1", forwarded.Topic);
    }

    [Fact]
    public async Task Will_of_a_connected_client_is_given_to_the_cluster_and_taken_back_when_it_leaves()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.ConnectAsync("c1", will: new ConnectWill("wills/c1", "gone"u8.ToArray(), AtLeastOnce, Retain: false));

        var given = Assert.Single(node.Bus.Wills);
        Assert.Equal(("c1", "wills/c1", "gone"), (given.ClientId, given.Will?.Topic, Encoding.UTF8.GetString(given.Will!.Payload)));
        client.LoseConnection();

        Assert.Equal([("c1", "wills/c1"), ("c1", null)], node.Bus.Wills.Select(w => (w.ClientId, w.Will?.Topic)));
    }

    [Fact]
    public async Task Client_without_a_will_gives_the_cluster_nothing()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.ConnectAsync("c1");

        client.LoseConnection();

        Assert.Empty(node.Bus.Wills);
    }

    [Fact]
    public void Retained_message_cleared_through_the_api_is_cleared_on_the_other_nodes_without_being_published()
    {
        using var node = new ClusteredTestBroker();
        node.Broker.Publish(Message.Create("status/a", "on"u8, AtMostOnce, retain: true));

        Assert.True(node.Broker.ClearRetained("status/a"));

        var shared = Assert.Single(node.Bus.SharedRetained);
        Assert.Equal("status/a", shared.Topic);
        Assert.True(shared.Payload.IsEmpty);
        Assert.Single(node.Bus.Forwarded); // the publish only, not the clearing
    }

    [Fact]
    public async Task Sys_topics_are_not_forwarded_but_reach_local_subscribers()
    {
        using var node = new ClusteredTestBroker(options: new BrokerOptions { SysInterval = TimeSpan.FromSeconds(10) });
        var subscriber = await node.ConnectAsync("s");
        await node.SubscribeAsync(subscriber, "$SYS/#", AtMostOnce);

        node.Broker.PublishSysTopics();
        node.Broker.Publish(Message.Create("$SYS/test/value", "1"u8, AtMostOnce, retain: true));

        Assert.Empty(node.Bus.Forwarded);
        Assert.Contains(subscriber.Received(), packet => packet is Publish { Topic: "$SYS/test/value" });
    }

    [Fact]
    public async Task Group_served_on_another_node_is_not_delivered_here()
    {
        using var node = new ClusteredTestBroker();
        var member = await node.Connect5Async("w1");
        await node.SubscribeAsync(member, "$share/g/jobs", AtMostOnce);
        var monitor = await node.Connect5Async("monitor");
        await node.SubscribeAsync(monitor, "jobs", AtMostOnce);
        var publisher = await node.Connect5Async("pub");
        node.Bus.ForwardResult = new ForwardResult(1, GroupG);

        await publisher.PublishAsync("jobs", "j1");

        member.AssertReceivedNothing();
        monitor.AssertReceivedMessages(new Publish("jobs", "j1"));
    }

    [Fact]
    public async Task Group_served_here_is_delivered_here()
    {
        using var node = new ClusteredTestBroker();
        var member = await node.Connect5Async("w1");
        await node.SubscribeAsync(member, "$share/g/jobs", AtMostOnce);
        var other = await node.Connect5Async("h1");
        await node.SubscribeAsync(other, "$share/h/jobs", AtMostOnce);
        var publisher = await node.Connect5Async("pub");
        node.Bus.ForwardResult = new ForwardResult(1, new HashSet<string>(StringComparer.Ordinal) { "$share/h/jobs" });

        await publisher.PublishAsync("jobs", "j1");

        member.AssertReceivedMessages(new Publish("jobs", "j1"));
        other.AssertReceivedNothing();
    }

    [Fact]
    public async Task Publish_outcome_counts_the_nodes_forwarded_to_among_the_deliveries()
    {
        using var node = new ClusteredTestBroker();
        var subscriber = await node.ConnectAsync("s");
        await node.SubscribeAsync(subscriber, "a", AtMostOnce);
        node.Bus.ForwardResult = new ForwardResult(2, null);

        var outcome = node.Broker.Publish(Message.Create("a", "x"u8, AtMostOnce, retain: false));

        Assert.Equal(2, outcome.Forwarded);
        Assert.Equal(3, outcome.Deliveries);
        Assert.Equal(1, outcome.Sent);
    }

    [Theory]
    [InlineData(AtLeastOnce, PacketType.PubAck)]
    [InlineData(ExactlyOnce, PacketType.PubRec)]
    public async Task Message_forwarded_without_local_subscribers_is_not_acknowledged_as_no_matching_subscribers(QualityOfService qos, PacketType ack)
    {
        using var node = new ClusteredTestBroker();
        var publisher = await node.Connect5Async("pub");
        node.Bus.ForwardResult = new ForwardResult(1, null);

        var id = await publisher.PublishAsync("a", "x", qos);

        publisher.AssertReceived(new AckPacket(ack, id) { Reason = ReasonCode.Success });
    }

    [Fact]
    public async Task Message_for_a_group_served_elsewhere_only_is_acknowledged_as_success()
    {
        using var node = new ClusteredTestBroker();
        var publisher = await node.Connect5Async("pub");
        node.Bus.ForwardResult = new ForwardResult(1, GroupG);

        var id = await publisher.PublishAsync("jobs", "x", AtLeastOnce);

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id) { Reason = ReasonCode.Success });
    }

    [Fact]
    public async Task Message_wanted_by_no_node_is_acknowledged_as_no_matching_subscribers()
    {
        using var node = new ClusteredTestBroker();
        var publisher = await node.Connect5Async("pub");
        node.Bus.ForwardResult = new ForwardResult(0, null);

        var id = await publisher.PublishAsync("a", "x", AtLeastOnce);

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id) { Reason = ReasonCode.NoMatchingSubscribers });
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-9")]
    public async Task Forwarded_message_is_delivered_to_local_subscribers_with_retain_cleared()
    {
        using var node = new ClusteredTestBroker();
        var subscriber = await node.ConnectAsync("s");
        await node.SubscribeAsync(subscriber, "r/#", AtLeastOnce);

        var outcome = node.Broker.DeliverForwarded(Message.Create("r/1", "v"u8, AtLeastOnce, retain: true, origin: "elsewhere"), MatchScope.Forwarded(ordinary: true, null));

        Assert.Equal(1, outcome.Sent);
        Assert.Equal(0, outcome.Forwarded);
        subscriber.AssertReceived(new Publish("r/1", "v", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-5")]
    public async Task Retained_message_from_another_node_is_kept_here_without_being_forwarded_again()
    {
        using var node = new ClusteredTestBroker();

        node.Broker.DeliverForwarded(Message.Create("r/1", "v"u8, AtLeastOnce, retain: true, origin: "elsewhere"), MatchScope.Forwarded(ordinary: false, null));

        Assert.Empty(node.Bus.Forwarded);
        var late = await node.ConnectAsync("late");
        await node.SubscribeAsync(late, "r/#", AtLeastOnce);
        late.AssertReceived(new Publish("r/1", "v", AtLeastOnce, PacketId: 1, Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    public async Task Empty_retained_message_from_another_node_clears_the_topic_here()
    {
        using var node = new ClusteredTestBroker();
        node.Broker.Publish(Message.Create("r/1", "v"u8, AtMostOnce, retain: true));

        node.Broker.DeliverForwarded(Message.Create("r/1", [], AtMostOnce, retain: true), MatchScope.Forwarded(ordinary: true, null));

        var late = await node.ConnectAsync("late");
        await node.SubscribeAsync(late, "r/#", AtMostOnce);
        late.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Adopted_session_routes_its_subscriptions_and_delivers_its_messages_when_its_client_returns()
    {
        using var node = new ClusteredTestBroker();
        var stored = new StoredSession(
            "c1",
            ExpiryInterval: 300,
            Username: null,
            DisconnectedAt: node.Time.GetUtcNow(),
            Subscriptions: [(new TopicSubscription("a/#", AtLeastOnce), null)],
            Deliveries:
            [
                new StoredDelivery(1, Message.Create("a/0", "in flight"u8, AtLeastOnce, retain: false), AtLeastOnce, false, null, PacketId: 7, InflightState.AwaitingPubAck, null),
                new StoredDelivery(2, Message.Create("a/1", "queued"u8, AtLeastOnce, retain: false), AtLeastOnce, false, null, PacketId: 0, default, null),
            ],
            IncomingQos2: [],
            Will: null);

        node.Broker.AdoptSession(stored);

        Assert.False(node.SessionOf("c1").IsConnected);
        Assert.Equal(["a/#"], node.Bus.RoutesAdded);
        node.Broker.Publish(Message.Create("a/2", "live"u8, AtLeastOnce, retain: false)); // routed to the adopted session, queued
        Assert.Equal(2, node.SessionOf("c1").QueuedCount);

        var client = node.Open();
        var connAck = await client.Connect5Async("c1", new Properties { SessionExpiryInterval = 300 }, cleanStart: false);

        Assert.Equal(ReasonCode.Success, connAck.Reason);
        Assert.True(connAck.SessionPresent);
        var received = client.ReceivedPublishes();
        // [MQTT-4.4.0-1] the unacknowledged PUBLISH again first, with DUP and its packet id, then the queue in order.
        Assert.Equal([("a/0", "in flight", true), ("a/1", "queued", false), ("a/2", "live", false)], received.Select(p => (p.Topic, p.Payload, p.Message.Dup)));
        Assert.Equal(7, received[0].PacketId);
    }

    [Fact]
    public async Task Adopting_a_session_already_held_here_changes_nothing()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.Connect5Async("c1", sessionExpiry: 300);
        await node.SubscribeAsync(client, "mine", AtLeastOnce);
        var held = node.SessionOf("c1");

        node.Broker.AdoptSession(new StoredSession("c1", 300, null, null, [(new TopicSubscription("theirs", AtLeastOnce), null)], [], [], null));

        Assert.Same(held, node.SessionOf("c1"));
        Assert.Equal(["mine"], held.Subscriptions.Select(s => s.Filter));
        Assert.DoesNotContain("theirs", node.Broker.Subscriptions.Routes());
    }

    [Fact]
    public async Task Session_released_to_another_node_relays_what_still_reaches_it_here_for_a_while()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.Connect5Async("c1", sessionExpiry: 300);
        await node.SubscribeAsync(client, "a/#", AtLeastOnce);

        node.Broker.ReleaseSession("c1", relayTo: "node-b");
        node.Broker.Publish(Message.Create("a/1", "moving"u8, ExactlyOnce, retain: false));

        var relayed = Assert.Single(node.Bus.Relayed);
        Assert.Equal(("node-b", "c1", "a/1", AtLeastOnce), (relayed.Node, relayed.ClientId, relayed.Message.Topic, relayed.QoS));
        Assert.Empty(node.Bus.RoutesRemoved); // the other nodes still route here until the new node's routes are known
        node.Time.Advance(Broker.RelayWindow);

        Assert.Equal(["a/#"], node.Bus.RoutesRemoved);
        node.Broker.Publish(Message.Create("a/2", "late"u8, AtLeastOnce, retain: false));
        Assert.Single(node.Bus.Relayed);
    }

    [Fact]
    public async Task Clean_session_released_to_another_node_relays_nothing()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.Connect5Async("c1");
        await node.SubscribeAsync(client, "a/#", AtLeastOnce);

        node.Broker.ReleaseSession("c1", relayTo: "node-b");
        node.Broker.Publish(Message.Create("a/1", "gone"u8, AtLeastOnce, retain: false));

        Assert.Empty(node.Bus.Relayed);
        Assert.Equal(["a/#"], node.Bus.RoutesRemoved);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-1")]
    public async Task Adopted_session_takes_a_message_once_when_it_comes_both_straight_and_relayed()
    {
        using var node = new ClusteredTestBroker();
        node.Broker.AdoptSession(new StoredSession("c1", 300, null, node.Time.GetUtcNow(), [(new TopicSubscription("a/#", ExactlyOnce), null)], [], [], null));
        var message = Message.Create("a/1", "once"u8, ExactlyOnce, retain: false);
        node.Broker.AssignStoreId(message);

        node.Broker.DeliverForwarded(message, MatchScope.Forwarded(ordinary: true, null));
        node.SessionOf("c1").Deliver(message, ExactlyOnce, retain: false); // the same message relayed by the node it left

        Assert.Equal(1, node.SessionOf("c1").QueuedCount);
        node.Time.Advance(Session.HandoverWindow + TimeSpan.FromSeconds(1));
        node.SessionOf("c1").Deliver(message, ExactlyOnce, retain: false); // long after: a new delivery
        Assert.Equal(2, node.SessionOf("c1").QueuedCount);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-3")]
    public async Task Released_session_disconnects_its_mqtt5_client_with_session_taken_over_and_publishes_its_will()
    {
        using var node = new ClusteredTestBroker();
        var watcher = await node.ConnectAsync("watcher");
        await node.SubscribeAsync(watcher, "wills/#", AtMostOnce);
        var client = await node.Connect5Async("c1", sessionExpiry: 300, will: new ConnectWill("wills/c1", "gone"u8.ToArray(), AtMostOnce, Retain: false));
        await node.SubscribeAsync(client, "a/b", AtLeastOnce);

        node.Broker.ReleaseSession("c1");

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.SessionTakenOver));
        Assert.True(client.IsClosed);
        watcher.AssertReceived(new Publish("wills/c1", "gone"));
    }

    [Fact]
    public async Task Released_session_leaves_with_its_subscriptions_without_ending_in_the_cluster()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.Connect5Async("c1", sessionExpiry: 300);
        await node.SubscribeAsync(client, "a/b", AtLeastOnce);
        await node.SubscribeAsync(client, "$share/g/jobs", AtLeastOnce);

        node.Broker.ReleaseSession("c1");

        Assert.False(node.HasSession("c1"));
        Assert.Empty(node.Broker.Subscriptions.Routes());
        Assert.Equal(0, node.Broker.Subscriptions.Count);
        Assert.Equal(["$share/g/jobs", "a/b"], node.Bus.RoutesRemoved.Order(StringComparer.Ordinal));
        Assert.Empty(node.Bus.SessionsEnded);
        Assert.Equal(0, node.Broker.Publish(Message.Create("a/b", "x"u8, AtLeastOnce, retain: false)).Deliveries);
    }

    [Fact]
    public async Task Released_detached_session_leaves_with_its_subscriptions()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.Connect5Async("c1", sessionExpiry: 300);
        await node.SubscribeAsync(client, "a/b", AtLeastOnce);
        await client.DisconnectAsync();

        node.Broker.ReleaseSession("c1");

        Assert.False(node.HasSession("c1"));
        Assert.Empty(node.Broker.Subscriptions.Routes());
        Assert.Empty(node.Bus.SessionsEnded);
    }

    [Fact]
    public async Task Released_session_keeps_its_record_in_the_store_for_the_node_that_takes_it()
    {
        using var node = new ClusteredTestBroker(durable: true);
        var client = await node.Connect5Async("c1", sessionExpiry: 300);
        await node.SubscribeAsync(client, "a/b", AtLeastOnce);
        node.Broker.Publish(Message.Create("a/b", "held"u8, AtLeastOnce, retain: false));
        await node.DurableAsync();

        node.Broker.ReleaseSession("c1");
        await node.DurableAsync();

        var stored = Assert.Single(node.StopAndLoad().Sessions, s => s.ClientId == "c1");
        Assert.Equal(["a/b"], stored.Subscriptions.Select(s => s.Request.Filter));
        Assert.Equal(["a/b"], stored.Deliveries.Select(d => d.Message.Topic));
    }

    [Fact]
    public async Task Ended_session_record_is_deleted_unlike_a_released_one()
    {
        using var node = new ClusteredTestBroker(durable: true);
        var client = await node.Connect5Async("c1", sessionExpiry: 300);
        await node.SubscribeAsync(client, "a/b", AtLeastOnce);
        await client.DisconnectAsync();

        await node.Connect5Async("c1", cleanStart: true); // [MQTT-3.1.2-4] discards the session
        await node.DurableAsync();

        Assert.DoesNotContain(node.StopAndLoad().Sessions, s => s.ClientId == "c1");
    }

    [Fact]
    public void Releasing_a_client_id_not_held_here_does_nothing()
    {
        using var node = new ClusteredTestBroker();

        node.Broker.ReleaseSession("nobody");

        Assert.False(node.HasSession("nobody"));
        Assert.Empty(node.Bus.SessionsEnded);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    [Trait("Spec", "MQTT-3.1.2-6")]
    public async Task Cluster_is_told_when_a_clean_session_ends(ProtocolVersion version)
    {
        using var node = new ClusteredTestBroker();
        var client = node.Open();
        await client.ConnectAsync("c1", cleanSession: true, version: version);
        Assert.Empty(node.Bus.SessionsEnded);

        await client.DisconnectAsync();

        Assert.Equal(["c1"], node.Bus.SessionsEnded);
    }

    [Fact]
    public async Task Cluster_is_told_of_a_persistent_session_only_when_it_expires()
    {
        using var node = new ClusteredTestBroker();
        var client = await node.Connect5Async("c1", sessionExpiry: 60);

        await client.DisconnectAsync();
        Assert.Empty(node.Bus.SessionsEnded);
        node.Time.Advance(TimeSpan.FromSeconds(60));

        Assert.Equal(["c1"], node.Bus.SessionsEnded);
    }

    [Fact]
    public async Task Connack_waits_for_the_claim_of_the_client_id()
    {
        using var node = new ClusteredTestBroker();
        var claim = new TaskCompletionSource<ClaimResult>();
        node.Bus.PendingClaim = claim;
        var client = node.Open();

        var connecting = client.SendConnectAsync(new ConnectPacket { ClientId = "c1", Version = ProtocolVersion.V500 });

        Assert.False(connecting.IsCompleted);
        Assert.Equal(["c1"], node.Bus.Claims);
        client.AssertReceivedNothing();
        Assert.False(node.HasSession("c1"));

        claim.SetResult(ClaimResult.Claimed);
        await connecting;

        Assert.Equal(ReasonCode.Success, client.Take<ConnAckPacket>().Reason);
        Assert.True(node.HasSession("c1"));
    }

    [Theory]
    [InlineData(ProtocolVersion.V500, (byte)ReasonCode.ServerUnavailable)]
    [InlineData(ProtocolVersion.V311, (byte)ConnectReturnCode.ServerUnavailable)]
    public async Task Unreachable_cluster_refuses_a_session_that_may_be_on_another_node(ProtocolVersion version, byte expected)
    {
        using var node = new ClusteredTestBroker();
        node.Bus.ClaimResult = ClaimResult.Unreachable;
        var client = node.Open();

        var connAck = await client.ConnectAsync(new ConnectPacket
        {
            ClientId = "c1",
            CleanSession = false,
            Version = version,
            Properties = version == ProtocolVersion.V500 ? new Properties { SessionExpiryInterval = 300 } : null,
        });

        Assert.Equal(expected, version == ProtocolVersion.V500 ? (byte)connAck.Reason : (byte)connAck.ReturnCode);
        Assert.False(connAck.SessionPresent);
        Assert.True(client.IsClosed);
        Assert.False(node.HasSession("c1"));
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Unreachable_cluster_accepts_a_clean_start(ProtocolVersion version)
    {
        using var node = new ClusteredTestBroker();
        node.Bus.ClaimResult = ClaimResult.Unreachable;
        var client = node.Open();

        var connAck = await client.ConnectAsync("c1", cleanSession: true, version: version);

        Assert.Equal(ConnectReturnCode.Accepted, connAck.ReturnCode);
        Assert.Equal(ReasonCode.Success, connAck.Reason);
        Assert.True(node.HasSession("c1"));
    }

    [Fact]
    public async Task Unreachable_cluster_resumes_a_session_held_here()
    {
        using var node = new ClusteredTestBroker();
        var first = await node.Connect5Async("c1", sessionExpiry: 300);
        await first.DisconnectAsync();
        node.Bus.ClaimResult = ClaimResult.Unreachable;
        var client = node.Open();

        var connAck = await client.Connect5Async("c1", new Properties { SessionExpiryInterval = 300 }, cleanStart: false);

        Assert.Equal(ReasonCode.Success, connAck.Reason);
        Assert.True(connAck.SessionPresent);
    }
}

using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Server.Tests.Fixtures;
using Herald.Storage.Redis.Cluster;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.ClusterStore;

/// <summary>
/// A cluster node's durable store against a real redis-server: sessions and retained messages
/// written through <see cref="RedisSessionStore"/> and its <see cref="RedisWriter"/>, built as
/// <c>RedisCluster</c> builds them, and read back as another node or a restart reads them; the
/// fence that keeps a node from writing a session it no longer owns; and the order in which a
/// batch reaches Redis (<see cref="WritePlan"/>).
/// </summary>
public sealed class RedisSessionStoreTests(RedisServer redis) : IClassFixture<RedisServer>, IAsyncLifetime
{
    private static readonly TimeSpan WriterTimeout = TimeSpan.FromSeconds(10);
    private static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    /// <summary>Route announcements wait for no other node: the tests run one node alone.</summary>
    private static readonly AppliedAcks NoOtherNodes = new("alone", () => []);

    private readonly FakeTimeProvider _time = new(Start);
    private readonly List<string> _fenced = [];
    private readonly List<RedisWriter> _writers = [];
    private ConnectionMultiplexer _redis = null!;

    private IDatabase Db => _redis.GetDatabase();

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);

    public async Task DisposeAsync()
    {
        foreach (var writer in _writers)
            await writer.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Session_written_through_the_store_is_loaded_back_whole()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node);
        var queued = Message.Create("a/1", "queued"u8, AtLeastOnce, retain: false, new Properties { ContentType = "text/plain" }, "pub", _time.GetTimestamp());
        var inflight = Message.Create("a/2", "sent"u8, ExactlyOnce, retain: true, null, null, _time.GetTimestamp());
        var will = new ConnectWill("wills/c", "bye"u8.ToArray(), AtLeastOnce, Retain: false) { Properties = new Properties { WillDelayInterval = 30 } };

        store.SaveSession(clientId, 300, "alice");
        store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a/+", ExactlyOnce) { NoLocal = true, RetainAsPublished = true, RetainHandling = 2 }, 17));
        store.SaveSubscription(clientId, new Subscription(new TopicSubscription("$share/g/jobs", AtLeastOnce), null));
        store.AddDelivery(clientId, new QueuedMessage(inflight, ExactlyOnce, Retain: true, [17], Sequence: 2), packetId: 5, InflightState.AwaitingPubRec);
        store.AddDelivery(clientId, new QueuedMessage(queued, AtLeastOnce, Retain: false, null, new SharedGroup("g", "jobs"), Sequence: 1), packetId: 0, default);
        store.SaveDeliveryState(clientId, 2, 5, InflightState.AwaitingPubComp);
        store.AddIncomingQos2(clientId, 9);
        store.AddIncomingQos2(clientId, 10);
        store.RemoveIncomingQos2(clientId, 10);
        store.SaveWill(clientId, will, Start.AddSeconds(30));
        store.SaveDisconnected(clientId, Start);
        await DurableAsync(writer);

        var session = store.LoadSession(Db, clientId);

        Assert.NotNull(session);
        Assert.Equal(clientId, session.ClientId);
        Assert.Equal(300u, session.ExpiryInterval);
        Assert.Equal("alice", session.Username);
        Assert.Equal(Start, session.DisconnectedAt);
        Assert.Equal(
            [(new TopicSubscription("$share/g/jobs", AtLeastOnce), (int?)null), (new TopicSubscription("a/+", ExactlyOnce) { NoLocal = true, RetainAsPublished = true, RetainHandling = 2 }, 17)],
            session.Subscriptions.OrderBy(s => s.Request.Filter, StringComparer.Ordinal));
        Assert.Equal([1L, 2L], session.Deliveries.Select(d => d.Sequence));
        var first = session.Deliveries[0];
        Assert.Equal(("a/1", "queued", (ushort)0, "$share/g/jobs"), (first.Message.Topic, Text(first.Message), first.PacketId, first.SharedFilter));
        Assert.Equal("text/plain", first.Message.Properties?.ContentType);
        var second = session.Deliveries[1];
        Assert.Equal(("a/2", (ushort)5, InflightState.AwaitingPubComp, ExactlyOnce, true), (second.Message.Topic, second.PacketId, second.State, second.QoS, second.Retain));
        Assert.Equal([17], second.SubscriptionIds!);
        Assert.Equal([(ushort)9], session.IncomingQos2);
        Assert.NotNull(session.Will);
        Assert.Equal(("wills/c", Start.AddSeconds(30), 30u), (session.Will.Will.Topic, session.Will.DueAt, session.Will.Will.Properties?.WillDelayInterval));
    }

    [Fact]
    public async Task Store_load_returns_the_sessions_this_node_owns()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node);
        store.SaveSession(clientId, 60, null);
        await DurableAsync(writer);

        var state = store.Load();

        var session = Assert.Single(state.Sessions);
        Assert.Equal(clientId, session.ClientId);
        Assert.Null(session.Username);
        Assert.Null(session.DisconnectedAt);
    }

    [Fact]
    public async Task Session_that_never_expires_reads_back_never_expiring()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node);

        store.SaveSession(clientId, Session.NeverExpires, "bob"); // MQTT 3.1.1 clean session 0
        await DurableAsync(writer);

        Assert.Equal(Session.NeverExpires, store.LoadSession(Db, clientId)!.ExpiryInterval);
    }

    [Fact]
    public async Task Session_owned_by_another_node_is_not_loaded_as_this_one()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node);
        store.SaveSession(clientId, 60, null);
        await DurableAsync(writer);

        Assert.NotNull(RedisSessionStore.Parse(clientId, await Db.HashGetAllAsync(SessionKey(clientId)), node, _time));
        Assert.Null(RedisSessionStore.Parse(clientId, await Db.HashGetAllAsync(SessionKey(clientId)), "another-node", _time));
    }

    [Fact]
    public async Task Removed_parts_of_a_session_are_gone_from_redis()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node);
        var message = Message.Create("a", "x"u8, AtLeastOnce, retain: false, null, null, _time.GetTimestamp());
        store.SaveSession(clientId, 60, "alice");
        store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a", AtLeastOnce), null));
        store.AddDelivery(clientId, new QueuedMessage(message, AtLeastOnce, Retain: false, Sequence: 1), packetId: 3, InflightState.AwaitingPubAck);
        store.SaveWill(clientId, new ConnectWill("w", [], AtMostOnce, Retain: false), Start);
        store.SaveDisconnected(clientId, Start);

        store.SaveSession(clientId, 60, username: null);
        store.DeleteSubscription(clientId, "a");
        store.RemoveDelivery(clientId, 1, message);
        store.SaveWill(clientId, will: null, default);
        store.SaveDisconnected(clientId, at: null);
        await DurableAsync(writer);

        var session = store.LoadSession(Db, clientId)!;
        Assert.Null(session.Username);
        Assert.Empty(session.Subscriptions);
        Assert.Empty(session.Deliveries);
        Assert.Null(session.Will);
        Assert.Null(session.DisconnectedAt);
        Assert.Equal(["owner", "x"], (await Db.HashKeysAsync(SessionKey(clientId))).Select(k => k.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Deleted_session_keeps_only_its_owner()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node);
        store.SaveSession(clientId, 60, "alice");
        store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a", AtLeastOnce), null));
        store.AddIncomingQos2(clientId, 4);

        store.DeleteSession(clientId);
        await DurableAsync(writer);

        Assert.Null(store.LoadSession(Db, clientId));
        var fields = await Db.HashGetAllAsync(SessionKey(clientId));
        Assert.Equal([("owner", node)], fields.Select(f => (f.Name.ToString(), f.Value.ToString())));
    }

    [Fact]
    public async Task Write_by_a_node_that_is_not_the_owner_is_fenced()
    {
        var (node, clientId) = Names();
        await ClaimAsync("the-new-owner", clientId);
        var (store, writer) = Open(node);

        store.SaveSession(clientId, 60, "alice");
        store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a", AtLeastOnce), null));
        await DurableAsync(writer);

        Assert.Equal([clientId], Fenced());
        var fields = await Db.HashGetAllAsync(SessionKey(clientId));
        Assert.Equal([("owner", "the-new-owner")], fields.Select(f => (f.Name.ToString(), f.Value.ToString())));
    }

    [Fact]
    public async Task Qos2_id_written_by_a_node_that_is_not_the_owner_is_fenced()
    {
        var (node, clientId) = Names();
        await ClaimAsync("the-new-owner", clientId);
        var (store, writer) = Open(node);

        store.AddIncomingQos2(clientId, 7);
        await DurableAsync(writer);

        Assert.Equal([clientId], Fenced());
        Assert.False(await Db.HashExistsAsync(SessionKey(clientId), "q:7"));
    }

    [Fact]
    public async Task Write_by_the_owner_is_not_fenced()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node);

        store.SaveSession(clientId, 60, null);
        store.AddIncomingQos2(clientId, 7);
        await DurableAsync(writer);

        Assert.Empty(Fenced());
        Assert.True(await Db.HashExistsAsync(SessionKey(clientId), "q:7"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Qos2_ids_of_a_batch_are_written_after_its_deliveries()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var message = Message.Create("a", "x"u8, ExactlyOnce, retain: false, null, null, _time.GetTimestamp());
        // As one PUBLISH records them, the id first: phase 2 must still come after the delivery.
        List<WriteOp> batch =
        [
            new(WriteKind.Qos2Set, clientId, "q:7"),
            new(WriteKind.SessionSet, clientId, "d:1", Records.Delivery(new QueuedMessage(message, ExactlyOnce, Retain: false, Sequence: 1), _time)),
            new(WriteKind.SessionSet, clientId, "x", 60L),
        ];

        var plan = WritePlan.Of(batch, node, _ => false, NoOtherNodes);

        Assert.Equal(3, plan.Phases.Count);
        Assert.Empty(plan.Phases[2]);
        await RunAsync(plan.Phases[0]);
        Assert.True(await Db.HashExistsAsync(SessionKey(clientId), "d:1"));
        Assert.False(await Db.HashExistsAsync(SessionKey(clientId), "q:7"));
        await RunAsync(plan.Phases[1]);
        Assert.True(await Db.HashExistsAsync(SessionKey(clientId), "q:7"));
    }

    [Fact]
    public async Task Qos2_ids_recorded_before_a_session_is_cleared_in_the_same_batch_are_dropped()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        List<WriteOp> batch =
        [
            new(WriteKind.Qos2Set, clientId, "q:7"),
            new(WriteKind.SessionClear, clientId),
            new(WriteKind.Qos2Set, clientId, "q:8"),
        ];

        foreach (var phase in WritePlan.Of(batch, node, _ => false, NoOtherNodes).Phases)
            await RunAsync(phase);

        Assert.False(await Db.HashExistsAsync(SessionKey(clientId), "q:7"));
        Assert.True(await Db.HashExistsAsync(SessionKey(clientId), "q:8"));
    }

    [Fact]
    public async Task Forget_of_a_client_id_with_a_local_session_again_is_not_written()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node, hasLocalSession: id => id == clientId);
        store.SaveSession(clientId, 60, null);

        writer.Enqueue(new WriteOp(WriteKind.Forget, clientId));
        await DurableAsync(writer);

        Assert.Empty(WritePlan.Of([new(WriteKind.Forget, clientId)], node, _ => true, NoOtherNodes).Phases.SelectMany(p => p));
        Assert.Equal(node, (string?)await Db.HashGetAsync(SessionKey(clientId), "owner"));
        Assert.NotNull(store.LoadSession(Db, clientId));
        Assert.True(await Db.SetContainsAsync(SessionsKey(node), clientId));
    }

    [Fact]
    public async Task Forget_of_a_client_id_without_a_local_session_deletes_it_from_redis()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node, hasLocalSession: _ => false);
        store.SaveSession(clientId, 60, null);

        writer.Enqueue(new WriteOp(WriteKind.Forget, clientId));
        await DurableAsync(writer);

        Assert.False(await Db.KeyExistsAsync(SessionKey(clientId)));
        Assert.False(await Db.SetContainsAsync(SessionsKey(node), clientId));
        Assert.Empty(Fenced());
    }

    [Fact]
    public async Task Forget_by_a_node_that_is_not_the_owner_leaves_the_session_alone()
    {
        var (node, clientId) = Names();
        await ClaimAsync("the-new-owner", clientId);
        await Db.HashSetAsync(SessionKey(clientId), "x", 60);
        var (_, writer) = Open(node, hasLocalSession: _ => false);

        writer.Enqueue(new WriteOp(WriteKind.Forget, clientId));
        await DurableAsync(writer);

        Assert.Equal("the-new-owner", (string?)await Db.HashGetAsync(SessionKey(clientId), "owner"));
        Assert.True(await Db.HashExistsAsync(SessionKey(clientId), "x"));
    }

    [Fact]
    public async Task Handoff_moves_the_client_id_after_everything_recorded_for_it()
    {
        var (node, clientId) = Names();
        await ClaimAsync(node, clientId);
        var (store, writer) = Open(node);
        store.SaveSession(clientId, 60, null);
        store.AddIncomingQos2(clientId, 3);

        writer.Enqueue(new WriteOp(WriteKind.Handoff, clientId, Value: "node-b"));
        await DurableAsync(writer);

        Assert.Equal("node-b", (string?)await Db.HashGetAsync(SessionKey(clientId), "owner"));
        Assert.True(await Db.HashExistsAsync(SessionKey(clientId), "q:3"));
        Assert.False(await Db.SetContainsAsync(SessionsKey(node), clientId));
        Assert.True(await Db.SetContainsAsync(SessionsKey("node-b"), clientId));
        var handedOver = RedisSessionStore.Parse(clientId, await Db.HashGetAllAsync(SessionKey(clientId)), "node-b", _time);
        Assert.NotNull(handedOver);
        Assert.Equal([(ushort)3], handedOver.IncomingQos2);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-5")]
    public async Task Retained_message_set_through_the_store_is_in_redis_and_loaded_back()
    {
        var (node, _) = Names();
        var (store, writer) = Open(node);
        var topic = Unique.Topic("retained");
        var message = Message.Create(topic, "v1"u8, AtLeastOnce, retain: true, new Properties { MessageExpiryInterval = 600, ResponseTopic = "r" }, "pub", _time.GetTimestamp());

        store.SetRetained(message);
        await DurableAsync(writer);

        var read = store.ReadRetained(await Db.HashGetAsync(RetainedKey, topic));
        Assert.Equal((topic, "v1", AtLeastOnce, true, 600u, "r"), (read.Topic, Text(read), read.QoS, read.Retain, read.ExpiryInterval, read.Properties?.ResponseTopic));
        Assert.Contains(store.Load().Retained, m => m.Topic == topic && Text(m) == "v1");
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    public async Task Retained_message_with_an_empty_payload_clears_the_topic_in_redis()
    {
        var (node, _) = Names();
        var (store, writer) = Open(node);
        var topic = Unique.Topic("retained");
        store.SetRetained(Message.Create(topic, "v1"u8, AtMostOnce, retain: true, null, null, _time.GetTimestamp()));
        await DurableAsync(writer);

        store.SetRetained(Message.Create(topic, [], AtMostOnce, retain: true, null, null, _time.GetTimestamp()));
        await DurableAsync(writer);

        Assert.False(await Db.HashExistsAsync(RetainedKey, topic));
    }

    [Fact]
    public async Task Expired_retained_message_removed_is_gone_from_redis()
    {
        var (node, _) = Names();
        var (store, writer) = Open(node);
        var topic = Unique.Topic("retained");
        var message = Message.Create(topic, "v1"u8, AtMostOnce, retain: true, new Properties { MessageExpiryInterval = 1 }, null, _time.GetTimestamp());
        store.SetRetained(message);
        await DurableAsync(writer);

        _time.Advance(TimeSpan.FromSeconds(1)); // the broker removes a retained message once it expired
        store.RemoveRetained(message);
        await DurableAsync(writer);

        Assert.False(await Db.HashExistsAsync(RetainedKey, topic));
    }

    /// <summary>
    /// <see cref="Herald.Broker.Persistence.IDurableStore.RemoveRetained"/>: "deletes this retained
    /// message (it expired) unless another has replaced it since". In a cluster the retained
    /// messages are one hash shared by every node, so the replacement may come from another node
    /// while this one, not yet told, purges the expired message it still holds.
    /// </summary>
    [Fact]
    public async Task Expired_retained_message_removed_by_one_node_leaves_the_replacement_another_node_set()
    {
        var (nodeA, _) = Names();
        var (nodeB, _) = Names();
        var (storeA, writerA) = Open(nodeA);
        var (storeB, writerB) = Open(nodeB);
        var topic = Unique.Topic("retained");
        var expiring = Message.Create(topic, "old"u8, AtMostOnce, retain: true, new Properties { MessageExpiryInterval = 1 }, null, _time.GetTimestamp());
        storeA.SetRetained(expiring);
        await DurableAsync(writerA);
        storeB.SetRetained(Message.Create(topic, "new"u8, AtMostOnce, retain: true, null, null, _time.GetTimestamp()));
        await DurableAsync(writerB);

        _time.Advance(TimeSpan.FromSeconds(1));
        storeA.RemoveRetained(expiring); // node A's purge of what it still holds
        await DurableAsync(writerA);

        var kept = await Db.HashGetAsync(RetainedKey, topic);
        Assert.False(kept.IsNull, "node A's removal of its expired retained message deleted the message node B set since");
        Assert.Equal("new", Text(storeA.ReadRetained(kept)));
    }

    private (RedisSessionStore Store, RedisWriter Writer) Open(string node, Func<string, bool>? hasLocalSession = null)
    {
        // As RedisCluster builds them: one writer per node, the store recording through it.
        var writer = new RedisWriter(_redis, node, NullLogger.Instance, hasLocalSession ?? (_ => false), OnFenced);
        _writers.Add(writer);
        return (new RedisSessionStore(writer, _redis, node, _time), writer);
    }

    private void OnFenced(string clientId)
    {
        lock (_fenced)
            _fenced.Add(clientId);
    }

    /// <summary>The client ids whose writes were fenced: each refused batch says so, and two writes may fall in two batches.</summary>
    private string[] Fenced()
    {
        lock (_fenced)
            return [.. _fenced.Distinct()];
    }

    /// <summary>What a claim leaves in Redis: the client id's owner, and the id among the node's sessions.</summary>
    private async Task ClaimAsync(string node, string clientId)
    {
        await Db.HashSetAsync(SessionKey(clientId), "owner", node);
        await Db.SetAddAsync(SessionsKey(node), clientId);
    }

    private static async Task DurableAsync(RedisWriter writer)
    {
        var durable = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        writer.WhenDurable(static state => ((TaskCompletionSource)state!).SetResult(), durable);
        await durable.Task.WaitAsync(WriterTimeout);
    }

    private async Task RunAsync(List<PlannedWrite> phase)
    {
        foreach (var write in phase)
        {
            var result = await write.RunAsync(Db);
            Assert.Null(write.FollowUp(result, OnFenced));
        }
        Assert.Empty(Fenced());
    }

    private static (string Node, string ClientId) Names() => ($"node-{Guid.NewGuid():N}", Unique.ClientId("store"));

    private static string Text(Message message) => System.Text.Encoding.UTF8.GetString(message.Payload.Span);

    // The documented keys (README, ClusterKeys), spelled out so a change to them shows here.
    private static RedisKey SessionKey(string clientId) => $"herald:session:{{{clientId}}}";

    private static RedisKey SessionsKey(string node) => $"herald:node:{{{node}}}:sessions";

    private static readonly RedisKey RetainedKey = "herald:{retained}";
}

using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.DurableStores;

/// <summary>Sessions, their subscriptions and their incoming QoS 2 packet ids.</summary>
public abstract partial class DurableStoreContract
{
    [Fact]
    public async Task Session_comes_back_with_its_expiry_and_username()
    {
        var clientId = await ClientAsync();

        Store.SaveSession(clientId, 300, "alice");
        var session = SessionOf(await RestartAsync(), clientId);

        Assert.Equal((300u, "alice"), (session.ExpiryInterval, session.Username));
        Assert.Null(session.DisconnectedAt);
        Assert.Empty(session.Subscriptions);
        Assert.Empty(session.Deliveries);
        Assert.Empty(session.IncomingQos2);
        Assert.Null(session.Will);
    }

    [Fact]
    public async Task Session_saved_again_comes_back_with_its_latest_expiry_and_username()
    {
        var withoutUser = await ClientAsync();
        var otherUser = await ClientAsync();

        Store.SaveSession(withoutUser, 300, "alice");
        Store.SaveSession(otherUser, 300, "alice");
        await DurableAsync();
        Store.SaveSession(withoutUser, 60, username: null);
        Store.SaveSession(otherUser, 7200, "bob");
        var state = await RestartAsync();

        Assert.Equal((60u, (string?)null), (SessionOf(state, withoutUser).ExpiryInterval, SessionOf(state, withoutUser).Username));
        Assert.Equal((7200u, "bob"), (SessionOf(state, otherUser).ExpiryInterval, SessionOf(state, otherUser).Username));
    }

    [Fact]
    public async Task Session_that_never_expires_comes_back_never_expiring()
    {
        var clientId = await ClientAsync();

        Store.SaveSession(clientId, Session.NeverExpires, "bob"); // MQTT 3.1.1 clean session 0

        Assert.Equal(Session.NeverExpires, SessionOf(await RestartAsync(), clientId).ExpiryInterval);
    }

    [Fact]
    public async Task Disconnected_session_comes_back_with_when_its_client_left()
    {
        var clientId = await ClientAsync();
        var left = Start.AddMinutes(-5);

        Store.SaveSession(clientId, 300, null);
        Store.SaveDisconnected(clientId, left);

        Assert.Equal(left, SessionOf(await RestartAsync(), clientId).DisconnectedAt);
    }

    [Fact]
    public async Task Session_whose_client_came_back_comes_back_without_a_disconnect_time()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        Store.SaveDisconnected(clientId, Start);
        await DurableAsync();

        Store.SaveDisconnected(clientId, at: null);

        Assert.Null(SessionOf(await RestartAsync(), clientId).DisconnectedAt);
    }

    [Fact]
    public async Task Deleted_session_does_not_come_back_nor_anything_it_held()
    {
        var deleted = await ClientAsync();
        var kept = await ClientAsync();
        foreach (var clientId in new[] { deleted, kept })
        {
            Store.SaveSession(clientId, 300, "alice");
            Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a/+", AtLeastOnce), 3));
            Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/1", "x"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 1), 0, default);
            Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/2", "y"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 2), 4, InflightState.AwaitingPubAck);
            Store.AddIncomingQos2(clientId, 9);
            Store.SaveWill(clientId, new ConnectWill("wills/x", "bye"u8.ToArray(), AtLeastOnce, Retain: false), Start.AddSeconds(30));
            Store.SaveDisconnected(clientId, Start);
        }
        await DurableAsync();

        Store.DeleteSession(deleted);
        var state = await RestartAsync();

        Assert.False(HasSession(state, deleted));
        var other = SessionOf(state, kept);
        Assert.Equal([1L, 2L], other.Deliveries.Select(d => d.Sequence));
        Assert.Single(other.Subscriptions);
        Assert.Equal([(ushort)9], other.IncomingQos2);
        Assert.NotNull(other.Will);
    }

    [Fact]
    public async Task Session_saved_again_after_it_was_deleted_comes_back_empty()
    {
        var deletedEarlier = await ClientAsync();
        var deletedInTheSameCommit = await ClientAsync();
        foreach (var clientId in new[] { deletedEarlier, deletedInTheSameCommit })
        {
            Store.SaveSession(clientId, 300, "alice");
            Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a/+", AtLeastOnce), null));
            Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/1", "x"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 1), 0, default);
            Store.AddIncomingQos2(clientId, 9);
            Store.SaveWill(clientId, new ConnectWill("wills/x", "bye"u8.ToArray(), AtLeastOnce, Retain: false), Start.AddSeconds(30));
            Store.SaveDisconnected(clientId, Start);
        }
        Store.DeleteSession(deletedInTheSameCommit);
        Store.SaveSession(deletedInTheSameCommit, 60, "bob");
        await DurableAsync();

        Store.DeleteSession(deletedEarlier);
        await DurableAsync();
        Store.SaveSession(deletedEarlier, 60, "bob");
        var state = await RestartAsync();

        foreach (var clientId in new[] { deletedEarlier, deletedInTheSameCommit })
        {
            var session = SessionOf(state, clientId);
            Assert.Equal((60u, "bob", (DateTimeOffset?)null), (session.ExpiryInterval, session.Username, session.DisconnectedAt));
            Assert.Empty(session.Subscriptions);
            Assert.Empty(session.Deliveries);
            Assert.Empty(session.IncomingQos2);
            Assert.Null(session.Will);
        }
    }

    [Fact]
    public async Task Subscriptions_come_back_with_every_option_and_subscription_id()
    {
        var clientId = await ClientAsync();
        (TopicSubscription Request, int? SubscriptionId)[] subscriptions =
        [
            (new TopicSubscription("$share/g/jobs/+", AtLeastOnce), 268_435_455), // the largest Subscription Identifier
            (new TopicSubscription("a/+", ExactlyOnce) { NoLocal = true, RetainAsPublished = true, RetainHandling = 2 }, 17),
            (new TopicSubscription("b/#", AtMostOnce) { RetainHandling = 1 }, null),
        ];
        Store.SaveSession(clientId, 300, null);

        foreach (var (request, id) in subscriptions)
            Store.SaveSubscription(clientId, new Subscription(request, id));

        Assert.Equal(subscriptions, SessionOf(await RestartAsync(), clientId).Subscriptions.OrderBy(s => s.Request.Filter, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Subscription_replaced_by_the_same_filter_comes_back_once()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a/+", ExactlyOnce) { NoLocal = true, RetainAsPublished = true, RetainHandling = 2 }, 17));
        await DurableAsync();

        Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a/+", AtMostOnce) { RetainHandling = 1 }, null));

        var (request, id) = Assert.Single(SessionOf(await RestartAsync(), clientId).Subscriptions);
        Assert.Equal((new TopicSubscription("a/+", AtMostOnce) { RetainHandling = 1 }, (int?)null), (request, id));
    }

    [Fact]
    public async Task Deleted_subscription_does_not_come_back()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("a/+", AtLeastOnce), null));
        Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("$share/g/b", AtLeastOnce), null));
        Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("c", AtLeastOnce), null));
        await DurableAsync();

        Store.DeleteSubscription(clientId, "a/+");
        Store.DeleteSubscription(clientId, "$share/g/b");
        Store.DeleteSubscription(clientId, "never/subscribed");

        Assert.Equal(["c"], SessionOf(await RestartAsync(), clientId).Subscriptions.Select(s => s.Request.Filter));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public async Task Incoming_qos2_ids_come_back_until_released()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);

        Store.AddIncomingQos2(clientId, 9);
        Store.AddIncomingQos2(clientId, 10);
        Store.AddIncomingQos2(clientId, ushort.MaxValue);
        await DurableAsync();
        Store.AddIncomingQos2(clientId, 9); // a PUBLISH sent again with DUP before its PUBREL
        Store.RemoveIncomingQos2(clientId, 10);
        Store.RemoveIncomingQos2(clientId, 11); // never added

        Assert.Equal([(ushort)9, ushort.MaxValue], SessionOf(await RestartAsync(), clientId).IncomingQos2.Order());
    }
}

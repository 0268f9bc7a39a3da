using Herald.Broker.Messages;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>What the HTTP API does to the engine: push to chosen sessions, kick, clear retained, count subscribers.</summary>
public sealed class BrokerOperationsTests : IDisposable
{
    private readonly TestBroker _broker = new();

    public void Dispose() => _broker.Dispose();

    [Fact]
    public async Task Push_reaches_a_session_without_a_subscription_and_waits_in_one_whose_client_is_away()
    {
        var online = await _broker.ConnectAsync("online");
        var away = _broker.Open();
        await away.ConnectAsync("away", cleanSession: false);
        away.LoseConnection();

        var outcome = _broker.Broker.Push(Message.Create("users/u/inbox", "hi"u8, AtLeastOnce, retain: false),
            [_broker.SessionOf("online"), _broker.SessionOf("away")]);

        Assert.Equal((2, 1, 1), (outcome.Deliveries, outcome.Sent, outcome.Queued));
        online.AssertReceived(new Publish("users/u/inbox", "hi", AtLeastOnce, PacketId: 1));
        var back = _broker.Open();
        await back.ConnectAsync("away", cleanSession: false);
        back.AssertReceived(new Publish("users/u/inbox", "hi", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    public async Task Push_at_qos0_is_not_kept_for_an_away_client()
    {
        var away = _broker.Open();
        await away.ConnectAsync("away", cleanSession: false);
        away.LoseConnection();

        var outcome = _broker.Broker.Push(Message.Create("t", "x"u8, AtMostOnce, retain: false), [_broker.SessionOf("away")]);

        Assert.Equal((1, 0, 0), (outcome.Deliveries, outcome.Sent, outcome.Queued));
    }

    [Fact]
    public async Task Push_to_a_session_subscribed_to_the_topic_uses_the_subscriptions_qos()
    {
        var subscriber = await _broker.ConnectSubscriberAsync("s", "users/+/inbox", AtMostOnce);

        _broker.Broker.Push(Message.Create("users/u/inbox", "hi"u8, ExactlyOnce, retain: false), [_broker.SessionOf("s")]);

        subscriber.AssertReceived(new Publish("users/u/inbox", "hi", AtMostOnce));
    }

    [Fact]
    public async Task Sessions_of_a_user_are_those_whose_client_last_logged_in_as_that_user()
    {
        await _broker.Open().ConnectAsync("phone", username: "alice");
        var tablet = _broker.Open();
        await tablet.ConnectAsync("tablet", cleanSession: false, username: "alice");
        tablet.LoseConnection();
        await _broker.Open().ConnectAsync("other", username: "bob");

        var sessions = _broker.Broker.SessionsByUser.Of("alice");

        Assert.Equal(["phone", "tablet"], sessions.Select(s => s.ClientId).Order());
    }

    [Fact]
    public async Task Session_leaves_its_users_list_when_its_client_logs_in_as_another_or_the_session_ends()
    {
        var phone = _broker.Open();
        await phone.ConnectAsync("phone", cleanSession: false, username: "alice");
        phone.LoseConnection();
        var clean = _broker.Open();
        await clean.ConnectAsync("clean", username: "alice");

        var back = _broker.Open();
        await back.ConnectAsync("phone", cleanSession: false, username: "bob");
        await clean.DisconnectAsync();

        Assert.Empty(_broker.Broker.SessionsByUser.Of("alice"));
        Assert.Equal(["phone"], _broker.Broker.SessionsByUser.Of("bob").Select(s => s.ClientId));
    }

    [Fact]
    public async Task Kicked_mqtt5_client_gets_disconnect_0x98_and_its_will_is_published()
    {
        var watcher = await _broker.ConnectSubscriberAsync("watcher", "status/#", AtMostOnce);
        var kicked = await _broker.Connect5Async("kicked", will: new ConnectWill("status/kicked", "gone"u8.ToArray(), AtMostOnce, Retain: false));

        Assert.True(_broker.Broker.Kick("kicked"));

        kicked.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.AdministrativeAction));
        Assert.True(kicked.IsClosed);
        watcher.AssertReceived(new Publish("status/kicked", "gone"));
    }

    [Fact]
    public async Task Kick_of_a_client_that_is_not_connected_does_nothing()
    {
        var away = _broker.Open();
        await away.ConnectAsync("away", cleanSession: false);
        away.LoseConnection();

        Assert.False(_broker.Broker.Kick("away"));
        Assert.False(_broker.Broker.Kick("never"));
        Assert.True(_broker.HasSession("away"));
    }

    [Fact]
    public async Task Cleared_retained_message_is_gone_and_no_subscriber_hears_of_it()
    {
        _broker.Broker.Publish(Message.Create("config/a", "1"u8, AtMostOnce, retain: true));
        var subscriber = await _broker.ConnectSubscriberAsync("s", "config/#", AtMostOnce);
        subscriber.AssertReceived(new Publish("config/a", "1", Retain: true));

        Assert.True(_broker.Broker.ClearRetained("config/a"));

        subscriber.AssertReceivedNothing();
        Assert.Equal(0, _broker.Broker.Retained.Count);
        Assert.False(_broker.Broker.ClearRetained("config/a"));
    }

    [Fact]
    public async Task Counting_subscribers_counts_each_session_once_and_each_shared_group_once_without_moving_its_turn()
    {
        var both = await _broker.ConnectSubscriberAsync("both", "a/+", AtMostOnce);
        await both.SubscribeAsync("a/#", AtMostOnce);
        var first = await _broker.ConnectSubscriberAsync("first", "$share/g/a/b", AtMostOnce);
        var second = await _broker.ConnectSubscriberAsync("second", "$share/g/a/b", AtMostOnce);
        both.Received();

        Assert.Equal(2, _broker.Broker.Subscriptions.CountMatching("a/b"));
        Assert.Equal(2, _broker.Broker.Subscriptions.CountMatching("a/b"));

        // The group's next turn is still the one before counting: two messages reach both members.
        _broker.Broker.Publish(Message.Create("a/b", "1"u8, AtMostOnce, retain: false));
        _broker.Broker.Publish(Message.Create("a/b", "2"u8, AtMostOnce, retain: false));
        Assert.Single(first.Received());
        Assert.Single(second.Received());
    }
}

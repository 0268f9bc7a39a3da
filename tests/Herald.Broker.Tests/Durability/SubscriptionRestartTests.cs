using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Durability;

/// <summary>A persistent session's subscriptions, with all their options, across a restart (sections 3.8.3.1, 4.8.2).</summary>
public sealed class SubscriptionRestartTests
{
    private const uint Expiry = 300;

    private static readonly TopicSubscription[] Options =
    [
        new("qos1/t", AtLeastOnce),
        new("nolocal/t", AtLeastOnce) { NoLocal = true },
        new("rap/t", AtLeastOnce) { RetainAsPublished = true },
        new("rh/t", AtMostOnce) { RetainHandling = 2 },
    ];

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    public async Task Subscription_options_and_identifier_come_back_as_subscribed()
    {
        using var broker = new DurableTestBroker();
        var client = await broker.Connect5Async("sub", Expiry);
        await broker.SubscribeAsync(client, subscriptionId: 42, Options);
        await broker.SubscribeAsync(client, subscriptionId: null, new TopicSubscription("$share/g/shared/t", ExactlyOnce));
        client.LoseConnection();

        broker.Restart();

        (string Filter, string TopicFilter, string? ShareName, QualityOfService QoS, bool NoLocal, bool RetainAsPublished, byte RetainHandling, int? SubscriptionId)[] expected =
        [
            ("$share/g/shared/t", "shared/t", "g", ExactlyOnce, false, false, 0, null),
            ("nolocal/t", "nolocal/t", null, AtLeastOnce, true, false, 0, 42),
            ("qos1/t", "qos1/t", null, AtLeastOnce, false, false, 0, 42),
            ("rap/t", "rap/t", null, AtLeastOnce, false, true, 0, 42),
            ("rh/t", "rh/t", null, AtMostOnce, false, false, 2, 42),
        ];
        var restored = broker.SessionOf("sub").Subscriptions.OrderBy(s => s.Filter, StringComparer.Ordinal)
            .Select(s => (s.Filter, s.TopicFilter, s.ShareName, s.QoS, s.NoLocal, s.RetainAsPublished, s.RetainHandling, s.SubscriptionId));
        Assert.Equal(expected, restored);
        Assert.Equal(5, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-6")]
    [Trait("Spec", "MQTT-3.3.1-12")]
    [Trait("Spec", "MQTT-3.3.1-13")]
    [Trait("Spec", "MQTT-3.8.3-3")]
    [Trait("Spec", "MQTT-3.3.4-3")]
    public async Task Restored_subscriptions_route_as_before_the_restart()
    {
        using var broker = new DurableTestBroker();
        var client = await broker.Connect5Async("sub", Expiry);
        await broker.SubscribeAsync(client, subscriptionId: 42, Options);
        client.LoseConnection();

        broker.Restart();
        client = await broker.Connect5Async("sub", Expiry, cleanStart: false);
        var other = await broker.Connect5Async("other");
        // Granted QoS 1: a QoS 2 message comes down to QoS 1 [MQTT-3.8.4-6].
        await other.PublishAsync("qos1/t", "downgraded", ExactlyOnce);
        // No Local: its own message is not sent back, another client's is [MQTT-3.8.3-3].
        await client.PublishAsync("nolocal/t", "own", AtLeastOnce);
        await other.PublishAsync("nolocal/t", "other's", AtLeastOnce);
        // Retain As Published keeps RETAIN on a live message [MQTT-3.3.1-12]; without it, it is cleared [MQTT-3.3.1-13].
        await other.PublishAsync("rap/t", "kept flag", AtLeastOnce, retain: true);
        await other.PublishAsync("qos1/t", "cleared flag", AtLeastOnce, retain: true);
        await broker.DurableAsync();

        var received = client.Received().OfType<Publish5>().ToArray();
        Publish[] expected =
        [
            new("qos1/t", "downgraded", AtLeastOnce, PacketId: 1),
            new("nolocal/t", "other's", AtLeastOnce, PacketId: 2),
            new("rap/t", "kept flag", AtLeastOnce, PacketId: 3, Retain: true),
            new("qos1/t", "cleared flag", AtLeastOnce, PacketId: 4),
        ];
        Assert.Equal(expected, received.Select(p => p.Message));
        Assert.All(received, p => Assert.Equal([42], p.SubscriptionIds)); // [MQTT-3.3.4-3]
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    [Trait("Spec", "MQTT-3.3.1-11")]
    public async Task Retain_handling_of_a_restored_subscription_still_applies()
    {
        using var broker = new DurableTestBroker();
        var client = await broker.Connect5Async("sub", Expiry);
        await broker.SubscribeAsync(client, subscriptionId: null,
            new TopicSubscription("rh1/t", AtMostOnce) { RetainHandling = 1 },
            new TopicSubscription("rh2/t", AtMostOnce) { RetainHandling = 2 });
        client.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("rh1/t", "r1", retain: true);
        await publisher.PublishAsync("rh2/t", "r2", retain: true);
        await broker.DurableAsync();

        broker.Restart();
        client = await broker.Connect5Async("sub", Expiry, cleanStart: false);
        // Subscribing again: RH 1 sends nothing because the restored subscription exists [MQTT-3.3.1-10], RH 2 never [MQTT-3.3.1-11]…
        await broker.SubscribeAsync(client, subscriptionId: null,
            new TopicSubscription("rh1/t", AtMostOnce) { RetainHandling = 1 },
            new TopicSubscription("rh2/t", AtMostOnce) { RetainHandling = 2 });
        client.AssertReceivedNothing();
        // …while a new subscription with RH 1 does get the retained message.
        await broker.SubscribeAsync(client, subscriptionId: null, new TopicSubscription("rh1/#", AtMostOnce) { RetainHandling = 1 });
        client.AssertReceivedMessages(new Publish("rh1/t", "r1", Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.8.2-2")]
    public async Task Shared_subscription_survives_a_restart_and_its_group_gets_each_message_once()
    {
        using var broker = new DurableTestBroker();
        foreach (var id in new[] { "m1", "m2" })
        {
            var member = await broker.Connect5Async(id, Expiry);
            await broker.SubscribeAsync(member, "$share/g/shared/t", AtLeastOnce);
            member.LoseConnection();
        }
        var subscriptionsBefore = broker.Broker.Subscriptions.Count;

        broker.Restart();
        var m1 = await broker.Connect5Async("m1", Expiry, cleanStart: false);
        var m2 = await broker.Connect5Async("m2", Expiry, cleanStart: false);
        var publisher = await broker.Connect5Async("pub");
        for (var i = 1; i <= 4; i++)
            await publisher.PublishAsync("shared/t", $"s{i}", AtLeastOnce);
        await broker.DurableAsync();

        var toM1 = m1.ReceivedPublishes().Select(p => p.Payload).ToArray();
        var toM2 = m2.ReceivedPublishes().Select(p => p.Payload).ToArray();
        Assert.Equal(["s1", "s2", "s3", "s4"], toM1.Concat(toM2).Order(StringComparer.Ordinal));
        Assert.Equal(2, toM1.Length); // round robin among the online members, as before the restart
        Assert.Equal(subscriptionsBefore, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    public async Task Shared_message_held_by_a_restored_session_goes_to_another_member_when_that_session_expires()
    {
        using var broker = new DurableTestBroker();
        var shortLived = await broker.Connect5Async("short", sessionExpiry: 10);
        await broker.SubscribeAsync(shortLived, "$share/g/jobs", AtLeastOnce);
        shortLived.LoseConnection();
        var lasting = await broker.Connect5Async("lasting", Expiry);
        await broker.SubscribeAsync(lasting, "$share/g/jobs", AtLeastOnce);
        lasting.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("jobs", "j1", AtLeastOnce);
        await publisher.PublishAsync("jobs", "j2", AtLeastOnce);
        await broker.DurableAsync();
        Assert.Equal(1, broker.SessionOf("short").QueuedCount); // round robin: one each

        broker.Restart();
        broker.Advance(TimeSpan.FromSeconds(11)); // "short" expires holding its job
        Assert.False(broker.HasSession("short"));

        var reconnected = await broker.Connect5Async("lasting", Expiry, cleanStart: false);
        await broker.DurableAsync();
        Assert.Equal(["j1", "j2"], reconnected.ReceivedPublishes().Select(p => p.Payload).Order(StringComparer.Ordinal));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.4-1")]
    public async Task Unsubscribe_before_a_restart_stays_undone()
    {
        using var broker = new DurableTestBroker();
        var client = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(client, "kept", AtLeastOnce);
        await broker.SubscribeAsync(client, "dropped", AtLeastOnce);
        await broker.UnsubscribeAsync(client, "dropped");
        client.LoseConnection();

        broker.Restart();
        client = await broker.ConnectAsync("sub", cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("dropped", "no", AtLeastOnce);
        await publisher.PublishAsync("kept", "yes", AtLeastOnce);
        await broker.DurableAsync();

        client.AssertReceived(new Publish("kept", "yes", AtLeastOnce, PacketId: 1));
        Assert.Equal(["kept"], broker.SessionOf("sub").Subscriptions.Select(s => s.Filter));
        broker.Kill();
        Assert.Equal(1, broker.Rows("subscriptions"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-3")]
    public async Task Subscription_replaced_before_a_restart_comes_back_with_its_new_options()
    {
        using var broker = new DurableTestBroker();
        var client = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(client, "t", ExactlyOnce);
        await broker.SubscribeAsync(client, "t", AtMostOnce);
        client.LoseConnection();

        broker.Restart();
        client = await broker.ConnectAsync("sub", cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "at most once", ExactlyOnce);
        await broker.DurableAsync();

        client.AssertReceived(new Publish("t", "at most once"));
    }
}

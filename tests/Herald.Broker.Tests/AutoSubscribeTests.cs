using Herald.Broker.Auth;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary><see cref="BrokerOptions.AutoSubscriptions"/>: subscriptions every session gets on connect.</summary>
public sealed class AutoSubscribeTests
{
    private static TestBroker Start() => new(new BrokerOptions
    {
        AutoSubscriptions =
        [
            new TopicSubscription("users/${username}/inbox", AtLeastOnce),
            new TopicSubscription("devices/${clientid}/commands", AtMostOnce),
            new TopicSubscription("broadcast/#", AtMostOnce) { RetainHandling = 2 },
        ],
    });

    [Fact]
    public async Task Session_gets_the_configured_subscriptions_with_placeholders_filled_and_receives_on_them()
    {
        using var broker = Start();
        var device = broker.Open();
        await device.ConnectAsync("phone-1", username: "alice", password: "x");

        Assert.Equal(
            ["broadcast/#", "devices/phone-1/commands", "users/alice/inbox"],
            broker.SessionOf("phone-1").Subscriptions.Select(s => s.Filter).Order(StringComparer.Ordinal));
        var backend = await broker.ConnectAsync("backend");
        await backend.PublishAsync("users/alice/inbox", "hello alice", AtLeastOnce);
        Assert.Contains(new Publish("users/alice/inbox", "hello alice", AtLeastOnce, PacketId: 1), device.Received());
    }

    [Fact]
    public async Task A_username_template_is_skipped_for_a_client_without_one()
    {
        using var broker = Start();

        await broker.ConnectAsync("anonymous-device");

        Assert.DoesNotContain(broker.SessionOf("anonymous-device").Subscriptions, s => s.Filter.StartsWith("users/", StringComparison.Ordinal));
        Assert.Contains(broker.SessionOf("anonymous-device").Subscriptions, s => s.Filter == "devices/anonymous-device/commands");
    }

    [Fact]
    public async Task A_name_with_wildcards_or_separators_never_widens_the_filter()
    {
        using var broker = Start();
        var device = broker.Open();

        await device.ConnectAsync("a/b", username: "+", password: "x");

        Assert.Equal(["broadcast/#"], broker.SessionOf("a/b").Subscriptions.Select(s => s.Filter));
    }

    [Fact]
    public async Task The_acl_decides_as_for_a_subscribe_sent_by_the_client()
    {
        using var broker = Start();
        broker.Broker.Acl = new AclPolicy([new AclRule(1, AclSubject.Everyone, null, AclAccess.Read, "users/%u/#")]);
        var device = broker.Open();

        await device.ConnectAsync("phone-2", username: "bob", password: "x");

        Assert.Equal(["users/bob/inbox"], broker.SessionOf("phone-2").Subscriptions.Select(s => s.Filter));
    }
}

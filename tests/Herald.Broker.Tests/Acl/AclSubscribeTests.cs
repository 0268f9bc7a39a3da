using Herald.Broker.Auth;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Broker.Auth.AclAccess;
using static Herald.Broker.Auth.AclSubject;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Acl;

/// <summary>
/// SUBSCRIBE without read access: that filter alone is refused in SUBACK (MQTT 5 0x87 Not
/// authorized, 3.1.1 0x80 Failure), the others of the same packet are granted (section 3.9.3).
/// </summary>
public sealed class AclSubscribeTests
{
    /// <summary>Everyone writes everything and reads "open/#"; client "reader" reads "closed/+" too.</summary>
    private static TestBroker Start()
    {
        var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy(
        [
            new AclRule(1, Everyone, null, Write, "#"),
            new AclRule(2, Everyone, null, Read, "open/#"),
            new AclRule(3, Client, "reader", Read, "closed/+"),
        ]);
        return broker;
    }

    [Fact]
    [Trait("Spec", "MQTT-3.9.3-1")]
    public async Task Mqtt5_subscribe_without_read_access_gets_0x87_for_that_filter_only()
    {
        using var broker = Start();
        var subscriber = await broker.Connect5Async("sub");

        var subAck = await subscriber.SubscribeAsync(
            new TopicSubscription("open/#", AtLeastOnce),
            new TopicSubscription("closed/#", AtLeastOnce),
            new TopicSubscription("open/x", ExactlyOnce));

        Assert.Equal([0x01, (byte)ReasonCode.NotAuthorized, 0x02], subAck.ReturnCodes);
        Assert.Equal(["open/#", "open/x"], broker.SessionOf("sub").Subscriptions.Select(s => s.Filter).Order());
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("closed/x", "held", AtMostOnce);
        await publisher.PublishAsync("open/y", "sent", AtMostOnce);
        Assert.Equal(["sent"], subscriber.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.9.3-1")]
    public async Task Mqtt311_subscribe_without_read_access_gets_0x80_for_that_filter_only()
    {
        using var broker = Start();
        var subscriber = await broker.ConnectAsync("sub");

        var subAck = await subscriber.SubscribeAsync(
            new TopicSubscription("closed/#", AtLeastOnce),
            new TopicSubscription("open/#", AtLeastOnce));

        Assert.Equal([SubAckPacket.Failure, 0x01], subAck.ReturnCodes);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("closed/x", "held", AtMostOnce);
        await publisher.PublishAsync("open/y", "sent", AtMostOnce);
        subscriber.AssertReceived(new Publish("open/y", "sent"));
        Assert.False(subscriber.IsClosed);
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [Trait("Spec", "MQTT-4.7.1-3")]
    [InlineData("closed/a", true)]
    [InlineData("closed/+", true)]
    [InlineData("closed/#", false)] // wider than "closed/+": it also matches "closed/a/b"
    [InlineData("closed/+/b", false)]
    [InlineData("+/a", false)]
    [InlineData("#", false)]
    public async Task Subscription_is_granted_only_within_a_rule_filter(string filter, bool granted)
    {
        using var broker = Start();
        var subscriber = broker.Open();
        await subscriber.Connect5Async("reader");

        var subAck = await subscriber.SubscribeAsync(filter, AtLeastOnce);

        Assert.Equal([granted ? (byte)0x01 : (byte)ReasonCode.NotAuthorized], subAck.ReturnCodes);
    }

    [Theory]
    [InlineData("$share/g/open/#", 0x01)]
    [InlineData("$share/g/closed/#", (byte)ReasonCode.NotAuthorized)]
    [InlineData("$share/open/closed/x", (byte)ReasonCode.NotAuthorized)] // the share name is no topic level
    public async Task Shared_subscription_is_checked_on_its_topic_filter(string filter, byte code)
    {
        using var broker = Start();
        var subscriber = await broker.Connect5Async("sub");

        var subAck = await subscriber.SubscribeAsync(filter, AtLeastOnce);

        Assert.Equal([code], subAck.ReturnCodes);
    }

    [Fact]
    public async Task Refused_resubscription_does_not_deliver_what_the_earlier_one_matched()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "closed/#", AtLeastOnce);
        broker.Broker.Acl = new AclPolicy([new AclRule(1, Everyone, null, Write, "#"), new AclRule(2, Everyone, null, Read, "open/#")]);

        var subAck = await subscriber.SubscribeAsync("closed/#", AtLeastOnce);

        Assert.Equal([(byte)ReasonCode.NotAuthorized], subAck.ReturnCodes);
        // Whether or not the earlier subscription stays, each delivery is checked: the message is held back.
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("closed/x", "held", AtLeastOnce);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    public async Task Read_access_by_username_and_anonymous_client()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([new AclRule(1, User, "alice", Read, "home/#"), new AclRule(2, Everyone, null, Read, "public/#")]);
        var alice = broker.Open();
        await alice.ConnectAsync("c-alice", username: "alice");
        var anonymous = await broker.ConnectAsync("c-anon");

        var aliceAck = await alice.SubscribeAsync(new TopicSubscription("home/#", AtMostOnce), new TopicSubscription("public/#", AtMostOnce));
        var anonymousAck = await anonymous.SubscribeAsync(new TopicSubscription("home/#", AtMostOnce), new TopicSubscription("public/#", AtMostOnce));

        Assert.Equal([0x00, 0x00], aliceAck.ReturnCodes);
        Assert.Equal([SubAckPacket.Failure, 0x00], anonymousAck.ReturnCodes);
    }
}

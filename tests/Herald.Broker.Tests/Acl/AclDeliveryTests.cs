using Herald.Broker.Auth;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Broker.Auth.AclAccess;
using static Herald.Broker.Auth.AclSubject;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Acl;

/// <summary>
/// Read access checked on every delivery: a granted subscription holds back what a deny rule
/// covers, retained messages included; a replaced policy reaches connected clients and existing
/// subscriptions at once; a persistent session is judged by its last login while it is away.
/// </summary>
public sealed class AclDeliveryTests
{
    private static readonly AclRule EveryoneWrites = new(1, Everyone, null, Write, "#");
    private static readonly AclRule EveryoneReads = new(2, Everyone, null, Read, "#");

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Granted_subscription_holds_back_only_the_topics_a_deny_rule_covers(ProtocolVersion version)
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([EveryoneWrites, EveryoneReads, new AclRule(3, Client, "sub", Deny, "a/secret/#")]);
        var subscriber = broker.Open();
        await subscriber.ConnectAsync("sub", version: version);
        var codes = (await subscriber.SubscribeAsync("a/#", AtLeastOnce)).ReturnCodes;
        Assert.Equal([0x01], codes);
        var other = await broker.ConnectSubscriberAsync("other", "a/#", AtMostOnce);
        var publisher = await broker.ConnectAsync("pub");

        await publisher.PublishAsync("a/open", "1", AtMostOnce);
        await publisher.PublishAsync("a/secret/x", "2", AtMostOnce);
        await publisher.PublishAsync("a/secret", "3", AtMostOnce);
        await publisher.PublishAsync("a/open/y", "4", AtMostOnce);

        Assert.Equal(["1", "4"], Payloads(subscriber));
        Assert.Equal(["1", "2", "3", "4"], Payloads(other));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.1-8")]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Retained_messages_not_readable_are_not_sent_on_subscribe(ProtocolVersion version)
    {
        using var broker = new TestBroker();
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("a/open", "kept", AtLeastOnce, retain: true);
        await publisher.PublishAsync("a/secret", "hidden", AtLeastOnce, retain: true);
        broker.Broker.Acl = new AclPolicy([EveryoneWrites, new AclRule(2, Everyone, null, Read, "a/#"), new AclRule(3, Everyone, null, Deny, "a/secret")]);
        var subscriber = broker.Open();
        await subscriber.ConnectAsync("sub", version: version);

        var codes = (await subscriber.SubscribeAsync("a/#", AtLeastOnce)).ReturnCodes;

        Assert.Equal([0x01], codes);

        Assert.Equal(["kept"], Payloads(subscriber));
    }

    [Fact]
    public async Task Replaced_policy_reaches_a_connected_client_on_its_next_publish()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([EveryoneReads, new AclRule(2, Client, "pub", Write, "t")]);
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "before", AtLeastOnce);
        Assert.Equal(ReasonCode.Success, publisher.Take<AckPacket>().Reason);

        broker.Broker.Acl = new AclPolicy([EveryoneReads, new AclRule(2, Client, "pub", Deny, "t")]);
        await publisher.PublishAsync("t", "after deny", AtLeastOnce);
        Assert.Equal(ReasonCode.NotAuthorized, publisher.Take<AckPacket>().Reason);

        broker.Broker.Acl = new AclPolicy([EveryoneReads, new AclRule(2, Client, "pub", ReadWrite, "t")]);
        await publisher.PublishAsync("t", "after grant", AtLeastOnce);
        Assert.Equal(ReasonCode.Success, publisher.Take<AckPacket>().Reason);

        Assert.Equal(["before", "after grant"], subscriber.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    public async Task Replaced_policy_reaches_a_connected_client_on_its_next_subscribe()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([EveryoneWrites]);
        var subscriber = await broker.Connect5Async("sub");
        var refused = (await subscriber.SubscribeAsync("t", AtLeastOnce)).ReturnCodes;
        Assert.Equal([(byte)ReasonCode.NotAuthorized], refused);

        broker.Broker.Acl = new AclPolicy([EveryoneWrites, EveryoneReads]);
        var granted = (await subscriber.SubscribeAsync("t", AtLeastOnce)).ReturnCodes;

        Assert.Equal([0x01], granted);
    }

    [Fact]
    public async Task Replaced_policy_reaches_an_existing_subscription_on_its_next_delivery()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([EveryoneWrites, EveryoneReads]);
        var subscriber = await broker.ConnectSubscriber5Async("sub", "a/#", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("a/x", "before", AtMostOnce);
        Assert.Equal(["before"], Payloads(subscriber));

        broker.Broker.Acl = new AclPolicy([EveryoneWrites, EveryoneReads, new AclRule(3, Client, "sub", Deny, "a/x")]);
        await publisher.PublishAsync("a/x", "held", AtMostOnce);
        await publisher.PublishAsync("a/y", "other topic", AtMostOnce);
        Assert.Equal(["other topic"], Payloads(subscriber));

        broker.Broker.Acl = new AclPolicy([EveryoneWrites, EveryoneReads]);
        await publisher.PublishAsync("a/x", "again", AtMostOnce);
        Assert.Equal(["again"], Payloads(subscriber));
    }

    [Fact]
    public async Task Emptied_policy_allows_everything_again()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([new AclRule(1, Everyone, null, Read, "#")]);
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "refused", AtLeastOnce);
        Assert.Equal(ReasonCode.NotAuthorized, publisher.Take<AckPacket>().Reason);

        broker.Broker.Acl = AclPolicy.Empty;
        await publisher.PublishAsync("t", "taken", AtLeastOnce);

        Assert.Equal(ReasonCode.Success, publisher.Take<AckPacket>().Reason);
        Assert.Equal(["taken"], subscriber.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    public async Task Offline_persistent_session_is_judged_by_the_username_of_its_last_login()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([EveryoneWrites, new AclRule(2, User, "alice", Read, "a/#"), new AclRule(3, User, "alice", Deny, "a/secret")]);
        var first = broker.Open();
        await first.Connect5Async("alice-phone", new Properties { SessionExpiryInterval = 600 }, username: "alice");
        var codes = (await first.SubscribeAsync("a/#", AtLeastOnce)).ReturnCodes;
        Assert.Equal([0x01], codes);
        first.LoseConnection();

        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("a/open", "queued", AtLeastOnce);
        await publisher.PublishAsync("a/secret", "held", AtLeastOnce);
        Assert.Equal(1, broker.SessionOf("alice-phone").QueuedCount);

        var second = broker.Open();
        var connAck = await second.Connect5Async("alice-phone", new Properties { SessionExpiryInterval = 600 }, cleanStart: false, username: "alice");
        Assert.True(connAck.SessionPresent);
        Assert.Equal(["queued"], second.ReceivedPublishes().Select(p => p.Payload));
    }

    /// <summary>
    /// As Mosquitto does on reconnect ("remove any queued messages that are no longer allowed
    /// through ACL, assuming a possible change of username"): a message queued while it was
    /// readable is checked again when it is finally sent.
    /// </summary>
    [Fact]
    public async Task Queued_message_is_checked_again_when_the_session_resumes_under_changed_rules()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([EveryoneWrites, EveryoneReads]);
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 600 });
        await first.SubscribeAsync("a/#", AtLeastOnce);
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("a/open", "readable", AtLeastOnce);
        await publisher.PublishAsync("a/secret", "was readable", AtLeastOnce);
        Assert.Equal(2, broker.SessionOf("sub").QueuedCount);

        broker.Broker.Acl = new AclPolicy([EveryoneWrites, EveryoneReads, new AclRule(3, Client, "sub", Deny, "a/secret")]);
        var second = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 600 }, cleanStart: false);

        Assert.Equal(["readable"], second.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    public async Task Queued_message_is_checked_again_when_the_session_resumes_under_another_username()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([EveryoneWrites, new AclRule(2, User, "alice", Read, "a/#")]);
        var first = broker.Open();
        await first.Connect5Async("shared-device", new Properties { SessionExpiryInterval = 600 }, username: "alice");
        await first.SubscribeAsync("a/#", AtLeastOnce);
        first.LoseConnection();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("a/x", "for alice", AtLeastOnce);
        Assert.Equal(1, broker.SessionOf("shared-device").QueuedCount);

        var second = broker.Open();
        await second.Connect5Async("shared-device", new Properties { SessionExpiryInterval = 600 }, cleanStart: false, username: "bob");

        second.AssertReceivedNothing();
    }

    private static string[] Payloads(TestClient client) =>
        [.. client.Received().Select(packet => packet switch
        {
            Publish5 publish => publish.Payload,
            Publish publish => publish.Payload,
            var other => throw new Xunit.Sdk.XunitException($"expected only PUBLISH packets, got {other}"),
        })];
}

using Herald.Broker.Auth;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Broker.Auth.AclAccess;
using static Herald.Broker.Auth.AclSubject;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Acl;

/// <summary>
/// PUBLISH without write access: not routed and not retained; MQTT 5 hears PUBACK or PUBREC
/// 0x87 Not authorized, MQTT 3.1.1 is acknowledged as usual, as Mosquitto does.
/// </summary>
public sealed class AclPublishTests
{
    /// <summary>Everyone reads everything and writes "open/#"; client "writer" writes "closed/#" too.</summary>
    private static AclPolicy Rules() => new(
    [
        new AclRule(1, Everyone, null, Read, "#"),
        new AclRule(2, Everyone, null, Write, "open/#"),
        new AclRule(3, Client, "writer", Write, "closed/#"),
    ]);

    private static TestBroker Start()
    {
        var broker = new TestBroker();
        broker.Broker.Acl = Rules();
        return broker;
    }

    [Theory]
    [InlineData(AtLeastOnce, PacketType.PubAck)]
    [InlineData(ExactlyOnce, PacketType.PubRec)]
    public async Task Mqtt5_publish_without_write_access_gets_0x87_and_is_not_routed(QualityOfService qos, PacketType ackType)
    {
        using var broker = Start();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "#", ExactlyOnce);
        var publisher = await broker.Connect5Async("pub");

        var id = await publisher.PublishAsync("closed/x", "refused", qos);

        var ack = Assert.IsType<AckPacket>(Assert.Single(publisher.Received()));
        Assert.Equal((ackType, id, ReasonCode.NotAuthorized), (ack.Type, ack.PacketId, ack.Reason));
        await publisher.PublishAsync("open/x", "taken", qos);
        Assert.Equal(["open/x"], subscriber.ReceivedPublishes().Select(p => p.Topic));
        Assert.False(publisher.IsClosed);
    }

    [Fact]
    public async Task Mqtt5_publish_with_write_access_is_acknowledged_with_success()
    {
        using var broker = Start();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "closed/#", AtLeastOnce);
        var publisher = broker.Open();
        await publisher.Connect5Async("writer");

        var id = await publisher.PublishAsync("closed/x", "allowed", AtLeastOnce);

        var ack = publisher.Take<AckPacket>();
        Assert.Equal((PacketType.PubAck, id, ReasonCode.Success), (ack.Type, ack.PacketId, ack.Reason));
        Assert.Equal(["allowed"], subscriber.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    public async Task Mqtt5_qos2_publish_refused_at_pubrec_frees_its_packet_identifier()
    {
        using var broker = Start();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "#", ExactlyOnce);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("closed/x", "refused", ExactlyOnce, packetId: 7);
        Assert.Equal(ReasonCode.NotAuthorized, publisher.Take<AckPacket>().Reason);

        // The flow ended at PUBREC 0x87: the same identifier carries a new message, not a re-send.
        await publisher.PublishAsync("open/x", "new", ExactlyOnce, packetId: 7);

        var ack = publisher.Take<AckPacket>();
        Assert.Equal((PacketType.PubRec, ReasonCode.Success), (ack.Type, ack.Reason));
        Assert.Equal(["new"], subscriber.ReceivedPublishes().Select(p => p.Payload));
    }

    [Fact]
    public async Task Mqtt311_publish_without_write_access_gets_a_plain_puback_and_is_not_routed()
    {
        using var broker = Start();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "#", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");

        var id = await publisher.PublishAsync("closed/x", "refused", AtLeastOnce);

        publisher.AssertReceived(new AckPacket(PacketType.PubAck, id));
        await publisher.PublishAsync("open/x", "taken", AtMostOnce);
        subscriber.AssertReceived(new Publish("open/x", "taken"));
        Assert.False(publisher.IsClosed);
    }

    [Fact]
    public async Task Mqtt311_qos2_publish_without_write_access_completes_its_flow_and_is_not_routed()
    {
        using var broker = Start();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "#", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");

        var id = await publisher.PublishAsync("closed/x", "refused", ExactlyOnce);
        publisher.AssertReceived(new AckPacket(PacketType.PubRec, id));
        await publisher.PubRelAsync(id);

        publisher.AssertReceived(new AckPacket(PacketType.PubComp, id));
        subscriber.AssertReceivedNothing();
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Qos0_publish_without_write_access_is_not_routed(ProtocolVersion version)
    {
        using var broker = Start();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "#", AtMostOnce);
        var publisher = broker.Open();
        await publisher.ConnectAsync("pub", version: version);

        await publisher.PublishAsync("closed/x", "refused", AtMostOnce);
        await publisher.PublishAsync("open/x", "taken", AtMostOnce);

        publisher.AssertReceivedNothing();
        subscriber.AssertReceived(new Publish("open/x", "taken"));
        Assert.False(publisher.IsClosed);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task Retained_publish_without_write_access_is_not_retained(ProtocolVersion version)
    {
        using var broker = Start();
        var publisher = broker.Open();
        await publisher.ConnectAsync("pub", version: version);
        await publisher.PublishAsync("closed/x", "refused", AtLeastOnce, retain: true);
        await publisher.PublishAsync("open/x", "kept", AtLeastOnce, retain: true);

        var subscriber = await broker.ConnectAsync("late");
        await subscriber.SubscribeAsync("#", AtLeastOnce);

        var publish = Assert.IsType<Publish>(Assert.Single(subscriber.Received()));
        Assert.Equal(("open/x", "kept", true), (publish.Topic, publish.Payload, publish.Retain));
    }

    [Fact]
    public async Task Write_access_by_username_follows_the_login()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy(
        [
            new AclRule(1, Everyone, null, Read, "#"),
            new AclRule(2, User, "alice", Write, "alice/#"),
        ]);
        var subscriber = await broker.ConnectSubscriber5Async("sub", "#", AtLeastOnce);
        var alice = broker.Open();
        await alice.Connect5Async("c-alice", username: "alice");
        var anonymous = await broker.Connect5Async("c-anon");

        await anonymous.PublishAsync("alice/x", "anonymous", AtLeastOnce);
        await alice.PublishAsync("alice/x", "alice", AtLeastOnce);

        Assert.Equal(ReasonCode.NotAuthorized, anonymous.Take<AckPacket>().Reason);
        Assert.Equal(ReasonCode.Success, alice.Take<AckPacket>().Reason);
        Assert.Equal(["alice"], subscriber.ReceivedPublishes().Select(p => p.Payload));
    }

    [Theory]
    [InlineData(ProtocolVersion.V500)]
    [InlineData(ProtocolVersion.V311)]
    public async Task Connect_with_a_will_the_client_may_not_publish_is_refused_not_authorized(ProtocolVersion version)
    {
        using var broker = Start();
        var will = new ConnectWill("closed/status", "offline"u8.ToArray(), AtLeastOnce, Retain: false);

        var refused = await broker.Open().ConnectAsync(new ConnectPacket { ClientId = "device", Version = version, Will = will, CleanSession = true });
        var allowed = await broker.Open().ConnectAsync(new ConnectPacket { ClientId = "writer", Version = version, Will = will, CleanSession = true });

        Assert.Equal(version == ProtocolVersion.V500 ? (byte)ReasonCode.NotAuthorized : (byte)ConnectReturnCode.NotAuthorized,
            version == ProtocolVersion.V500 ? (byte)refused.Reason : (byte)refused.ReturnCode);
        Assert.Equal(ConnectReturnCode.Accepted, allowed.ReturnCode);
    }
}

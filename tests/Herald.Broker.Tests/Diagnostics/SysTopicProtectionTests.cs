using Herald.Broker.Auth;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Diagnostics;

/// <summary>
/// <c>$SYS/</c> belongs to the server: a client may not publish there, whatever the ACL says, and
/// wildcards at the start of a filter do not reach it.
/// </summary>
public sealed class SysTopicProtectionTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(AtLeastOnce, PacketType.PubAck)]
    [InlineData(ExactlyOnce, PacketType.PubRec)]
    public async Task Mqtt5_publish_to_sys_gets_0x87_and_is_neither_routed_nor_retained(QualityOfService qos, PacketType ackType)
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "$SYS/#", ExactlyOnce);
        var client = await broker.Connect5Async("forger");

        var id = await client.PublishAsync("$SYS/broker/uptime", "forged", qos, retain: true);
        await client.PublishAsync("$SYS/anything", "forged qos 0", AtMostOnce, retain: true);

        var ack = Assert.IsType<AckPacket>(Assert.Single(client.Received()));
        Assert.Equal((ackType, id, ReasonCode.NotAuthorized), (ack.Type, ack.PacketId, ack.Reason));
        watcher.AssertReceivedNothing();
        Assert.Equal(0, broker.Retained.Count);
        Assert.False(client.IsClosed);
    }

    [Fact]
    public async Task Mqtt311_publish_to_sys_is_acknowledged_as_usual_but_not_routed()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "$SYS/#", ExactlyOnce);
        var client = await broker.ConnectAsync("forger");

        var id = await client.PublishAsync("$SYS/broker/clients/connected", "999", AtLeastOnce, retain: true);

        client.AssertReceived(new AckPacket(PacketType.PubAck, id));
        watcher.AssertReceivedNothing();
        Assert.Equal(0, broker.Retained.Count);
    }

    [Fact]
    public async Task Publish_to_sys_is_refused_even_when_the_acl_grants_write_to_it()
    {
        using var broker = new TestBroker();
        broker.Broker.Acl = new AclPolicy([new AclRule(1, AclSubject.Everyone, null, AclAccess.ReadWrite, "#"), new AclRule(2, AclSubject.Everyone, null, AclAccess.ReadWrite, "$SYS/#")]);
        var watcher = await broker.ConnectSubscriberAsync("watcher", "$SYS/#", ExactlyOnce);
        var client = await broker.Connect5Async("forger");

        var id = await client.PublishAsync("$SYS/broker/version", "forged", AtLeastOnce);

        var ack = Assert.IsType<AckPacket>(Assert.Single(client.Received()));
        Assert.Equal((id, ReasonCode.NotAuthorized), (ack.PacketId, ack.Reason));
        watcher.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.7.2-1")]
    public async Task Filters_starting_with_a_wildcard_never_get_the_sys_topics()
    {
        using var broker = new TestBroker(new BrokerOptions { SysInterval = Interval });
        var everything = await broker.ConnectSubscriberAsync("hash", "#", AtMostOnce);
        var plus = await broker.ConnectSubscriberAsync("plus", "+/broker/#", AtMostOnce);
        var sys = await broker.ConnectSubscriberAsync("sys", "$SYS/#", AtMostOnce);

        broker.Advance(Interval);

        Assert.Contains(new Publish("$SYS/broker/clients/connected", "3"), sys.Received());
        everything.AssertReceivedNothing();
        plus.AssertReceivedNothing();
        // Nor the retained values, to a subscription made after they were published.
        var late = await broker.ConnectAsync("late");
        await late.SubscribeAsync("#", AtMostOnce);
        await late.SubscribeAsync("+/broker/uptime", AtMostOnce);
        late.AssertReceivedNothing();
    }
}

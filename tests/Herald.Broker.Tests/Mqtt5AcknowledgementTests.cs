using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 reason codes on PUBACK, PUBREC, PUBREL and PUBCOMP from and to clients (sections 3.4 - 3.7, 4.3).</summary>
public sealed class Mqtt5AcknowledgementTests
{
    [Fact]
    [Trait("Spec", "MQTT-4.4.0-2")]
    [Trait("Spec", "MQTT-3.3.4-9")]
    public async Task Pubrec_with_an_error_reason_ends_the_flow_without_pubrel()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", ExactlyOnce, new Properties { ReceiveMaximum = 1 });
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "refused", ExactlyOnce);
        await publisher.PublishAsync("t", "next", ExactlyOnce);
        var refused = Assert.Single(subscriber.ReceivedPublishes());

        await subscriber.AckAsync(PacketType.PubRec, refused.PacketId, ReasonCode.UnspecifiedError);

        // No PUBREL; the place in the Receive Maximum is free for the next message.
        Assert.Equal("next", Assert.Single(subscriber.ReceivedPublishes()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-2")]
    public async Task Message_refused_with_puback_0x80_is_not_sent_again_on_reconnect()
    {
        using var broker = new TestBroker();
        var first = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 });
        await first.SubscribeAsync("t", AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "refused", AtLeastOnce);
        await first.AckAsync(PacketType.PubAck, Assert.Single(first.ReceivedPublishes()).PacketId, ReasonCode.UnspecifiedError);
        first.LoseConnection();

        var second = await broker.Connect5Async("sub", new Properties { SessionExpiryInterval = 60 }, cleanStart: false);

        second.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.8.2-6")]
    public async Task Shared_message_refused_with_puback_0x80_is_not_sent_to_another_member()
    {
        using var broker = new TestBroker();
        TestClient[] members =
        [
            await broker.ConnectSubscriber5Async("worker1", "$share/g/jobs", AtLeastOnce),
            await broker.ConnectSubscriber5Async("worker2", "$share/g/jobs", AtLeastOnce),
        ];
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("jobs", "job", AtLeastOnce);
        var deliveries = members.Select(m => (Client: m, Publishes: m.ReceivedPublishes())).ToArray();
        var chosen = Assert.Single(deliveries, d => d.Publishes.Length == 1);
        var other = Assert.Single(deliveries, d => d.Publishes.Length == 0).Client;

        await chosen.Client.AckAsync(PacketType.PubAck, chosen.Publishes[0].PacketId, ReasonCode.UnspecifiedError);
        chosen.Client.LoseConnection();

        other.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.7.2-1")]
    public async Task Pubrel_for_an_unknown_packet_id_gets_pubcomp_0x92()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1");

        await client.PubRelAsync(5);

        client.AssertReceived(new AckPacket(PacketType.PubComp, 5) { Reason = ReasonCode.PacketIdentifierNotFound });
    }

    [Fact]
    [Trait("Spec", "MQTT-3.6.2-1")]
    public async Task Pubrec_for_an_unknown_packet_id_gets_pubrel_0x92()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1");

        await client.PubRecAsync(5);

        client.AssertReceived(new AckPacket(PacketType.PubRel, 5) { Reason = ReasonCode.PacketIdentifierNotFound });
    }

    [Fact]
    [Trait("Spec", "MQTT-4.3.3-11")]
    public async Task Qos2_flow_to_an_mqtt5_subscriber_completes_with_reason_codes_omitted()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", ExactlyOnce);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "once", ExactlyOnce);
        var publish = Assert.Single(subscriber.ReceivedPublishes());

        await subscriber.PubRecAsync(publish.PacketId);
        subscriber.AssertReceived(new AckPacket(PacketType.PubRel, publish.PacketId));
        await subscriber.PubCompAsync(publish.PacketId);

        Assert.Equal(0, broker.SessionOf("sub").InflightCount);
    }
}

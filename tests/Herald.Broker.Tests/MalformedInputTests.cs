using System.Buffers;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>Bad input closes the connection it came on and nothing else; framing across reads (section 4.8).</summary>
public sealed class MalformedInputTests
{
    public static TheoryData<string, string> Garbage => new()
    {
        { "0000", "reserved packet type 0" },
        { "F000", "packet type 15, reserved in 3.1.1" },
        { "30FFFFFFFF7F", "remaining length longer than four bytes" },
        { "36050001610001", "PUBLISH with QoS 3 [MQTT-3.3.1-4]" },
        { "3803000161", "PUBLISH at QoS 0 with DUP set [MQTT-3.3.1-2]" },
        { "30050003612F2B", "PUBLISH to a topic with a wildcard [MQTT-3.3.2-2]" },
        { "30030001FF", "PUBLISH topic that is not UTF-8 [MQTT-1.5.3-1]" },
        { "32050001610000", "PUBLISH at QoS 1 with packet identifier 0 [MQTT-2.3.1-1]" },
        { "8006000100016100", "SUBSCRIBE with reserved flags 0000 [MQTT-3.8.1-1]" },
        { "8206000100016103", "SUBSCRIBE asking for QoS 3 [MQTT-3.8.3-4]" },
        { "820700010002612B00", "SUBSCRIBE to an invalid filter 'a+' [MQTT-4.7.1-3]" },
        { "82020001", "SUBSCRIBE without a filter [MQTT-3.8.3-3]" },
        { "A0050001000161", "UNSUBSCRIBE with reserved flags 0000 [MQTT-3.10.1-1]" },
        { "60020001", "PUBREL with reserved flags 0000 [MQTT-3.6.1-1]" },
        { "4003000100", "PUBACK with a remaining length of 3" },
        { "C00100", "PINGREQ with a body" },
        { "20020000", "CONNACK, which clients never send" },
    };

    [Theory]
    [Trait("Spec", "MQTT-4.8.0-1")]
    [MemberData(nameof(Garbage))]
    public async Task Malformed_packet_closes_only_the_connection_it_came_on(string packetHex, string description)
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtLeastOnce);
        var publisher = await broker.ConnectAsync("pub");
        var offender = await broker.ConnectAsync("offender");

        await offender.SendAsync(Convert.FromHexString(packetHex));

        Assert.True(offender.IsClosed, description);
        Assert.False(subscriber.IsClosed);
        Assert.False(publisher.IsClosed);
        await publisher.PublishAsync("t", "still working", AtLeastOnce);
        publisher.AssertReceived(new AckPacket(PacketType.PubAck, 1));
        subscriber.AssertReceived(new Publish("t", "still working", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    public async Task Packet_larger_than_the_maximum_packet_size_closes_the_connection()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxPacketSize = 64 });
        var client = await broker.ConnectAsync("c1");

        await client.PublishAsync("t", new string('x', 100));

        Assert.True(client.IsClosed);
    }

    [Fact]
    public async Task Incomplete_packet_is_not_consumed()
    {
        using var broker = new TestBroker();
        var client = broker.Open();
        var connect = Encode.Connect(new ConnectPacket { ClientId = "c1" });

        for (var length = 0; length < connect.Length; length++)
        {
            var buffer = new ReadOnlySequence<byte>(connect, 0, length);
            var consumed = await client.Connection.ReceiveAsync(buffer);
            Assert.Equal(0, buffer.Slice(0, consumed).Length);
        }

        client.AssertReceivedNothing();
        Assert.False(client.IsClosed);
    }

    [Fact]
    public async Task Packets_are_handled_whole_when_they_arrive_one_byte_per_read()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        await client.SendBytewiseAsync([
            .. Encode.Connect(new ConnectPacket { ClientId = "c1" }),
            .. Encode.Subscribe(1, [new TopicSubscription("t", AtLeastOnce)]),
            .. Encode.Publish("t", "hello", AtLeastOnce, packetId: 2, retain: false, dup: false),
        ]);

        client.AssertReceived(
            new ConnAckPacket(false, ConnectReturnCode.Accepted),
            new SubAck(1, 1),
            new Publish("t", "hello", AtLeastOnce, PacketId: 1),
            new AckPacket(PacketType.PubAck, 2));
    }

    [Fact]
    public async Task Packets_are_handled_whole_when_the_buffer_is_split_into_segments_at_any_position()
    {
        byte[] bytes =
        [
            .. Encode.Connect(new ConnectPacket { ClientId = "c1", Will = new ConnectWill("w", "bye"u8.ToArray(), AtMostOnce, Retain: false) }),
            .. Encode.Subscribe(1, [new TopicSubscription("t/+", AtLeastOnce)]),
            .. Encode.Publish("t/1", "hello", AtLeastOnce, packetId: 2, retain: true, dup: false),
        ];

        for (var at = 1; at < bytes.Length; at++)
        {
            using var broker = new TestBroker();
            var client = broker.Open();

            await client.SendSplitAsync(bytes, at);

            client.AssertReceived(
                new ConnAckPacket(false, ConnectReturnCode.Accepted),
                new SubAck(1, 1),
                new Publish("t/1", "hello", AtLeastOnce, PacketId: 1),
                new AckPacket(PacketType.PubAck, 2));
            Assert.Equal(1, broker.Retained.Count);
        }
    }

    [Fact]
    public async Task Several_packets_in_one_read_are_all_handled_in_order()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        await client.SendAsync([
            .. Encode.Connect(new ConnectPacket { ClientId = "c1" }),
            .. Encode.Subscribe(1, [new TopicSubscription("t", AtMostOnce)]),
            .. Encode.Publish("t", "one", AtMostOnce, packetId: 0, retain: false, dup: false),
            .. Encode.Publish("t", "two", AtMostOnce, packetId: 0, retain: false, dup: false),
            .. Encode.Empty(PacketType.PingReq),
        ]);

        client.AssertReceived(
            new ConnAckPacket(false, ConnectReturnCode.Accepted),
            new SubAck(1, 0),
            new Publish("t", "one"),
            new Publish("t", "two"),
            PingResp.Instance);
    }
}

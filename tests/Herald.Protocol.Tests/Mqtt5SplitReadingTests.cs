using System.Buffers;
using Herald.Protocol.Packets;
using static Herald.Protocol.Tests.Mqtt5Wire;

namespace Herald.Protocol.Tests;

/// <summary>
/// A stream of MQTT 5 packets with properties parses the same however the network cuts it: whole,
/// split in two at every byte, one byte per segment, and fed a byte at a time to a read loop.
/// </summary>
public sealed class Mqtt5SplitReadingTests
{
    private static readonly byte[][] Packets =
    [
        Wire.Encode(new ConnectPacket
        {
            Version = ProtocolVersion.V500,
            ClientId = "client-ü",
            KeepAliveSeconds = 30,
            Username = "user",
            Password = [0x70, 0x00],
            Properties = new Properties
            {
                SessionExpiryInterval = 3600,
                ReceiveMaximum = 20,
                MaximumPacketSize = 1 << 20,
                TopicAliasMaximum = 8,
                UserProperties = [new("k", "1"), new("k", "2")],
                AuthenticationMethod = "SCRAM",
                AuthenticationData = [1, 2, 3],
            },
            Will = new ConnectWill("will/€", [0x00, 0x01], QualityOfService.AtLeastOnce, Retain: true)
            {
                Properties = new Properties { WillDelayInterval = 10, ContentType = "text/plain", CorrelationData = [9, 9] },
            },
        }.WriteTo),
        Encode(new ConnAckPacket(true, default)
        {
            Properties = new Properties
            {
                AssignedClientIdentifier = "auto-1",
                ServerKeepAlive = 60,
                MaximumQoS = 1,
                TopicAliasMaximum = 8,
                SharedSubscriptionAvailable = 1,
            },
        }.WriteTo),
        Encode(new PublishPacket
        {
            Topic = "a/b",
            Payload = new ReadOnlySequence<byte>("hi"u8.ToArray()),
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 10,
            Properties = new Properties
            {
                PayloadFormatIndicator = 1,
                MessageExpiryInterval = 60,
                ResponseTopic = "reply/ü",
                CorrelationData = [0xC0, 0xFF, 0xEE],
                SubscriptionIdentifiers = [1, 16_384, 268_435_455],
                TopicAlias = 3,
                UserProperties = [new("k", "1"), new("j", "2"), new("k", "3")],
            },
        }.WriteTo),
        Encode(new PublishPacket
        {
            Topic = "",
            Payload = new ReadOnlySequence<byte>(new byte[200]),
            QoS = QualityOfService.ExactlyOnce,
            PacketId = 0xFFFF,
            Dup = true,
            Retain = true,
            Properties = new Properties { TopicAlias = 3 },
        }.WriteTo),
        Encode(new PublishPacket { Topic = "t", Payload = ReadOnlySequence<byte>.Empty }.WriteTo),
        Encode(new AckPacket(PacketType.PubAck, 10).WriteTo),
        Encode(new AckPacket(PacketType.PubAck, 11) { Reason = ReasonCode.NoMatchingSubscribers }.WriteTo),
        Encode(new AckPacket(PacketType.PubRec, 0xFFFF) { Reason = ReasonCode.QuotaExceeded, Properties = new Properties { ReasonString = "full" } }.WriteTo),
        Encode(new AckPacket(PacketType.PubRel, 0xFFFF) { Properties = new Properties { UserProperties = [new("k", "v")] } }.WriteTo),
        Encode(new AckPacket(PacketType.PubComp, 0xFFFF) { Reason = ReasonCode.PacketIdentifierNotFound }.WriteTo),
        Encode(new SubscribePacket(3,
        [
            new TopicSubscription("a/+", QualityOfService.AtLeastOnce) { NoLocal = true, RetainHandling = 1 },
            new TopicSubscription("$share/g/#", QualityOfService.ExactlyOnce) { RetainAsPublished = true, RetainHandling = 2 },
        ])
        {
            Properties = new Properties { SubscriptionIdentifiers = [42], UserProperties = [new("k", "v")] },
        }.WriteTo),
        Encode(new SubAckPacket(3, [0x01, 0x02, 0x87, 0x9E, 0xA2]) { Properties = new Properties { ReasonString = "partly" } }.WriteTo),
        Encode(new UnsubscribePacket(4, ["a/+", "ü/#"]) { Properties = new Properties { UserProperties = [new("k", "v")] } }.WriteTo),
        Encode(new UnsubAckPacket(4) { ReasonCodes = [0x00, 0x11], Properties = new Properties { ReasonString = "done" } }.WriteTo),
        Wire.Encode(writer => PacketFrame.WriteEmpty(writer, PacketType.PingReq)),
        Wire.Encode(writer => PacketFrame.WriteEmpty(writer, PacketType.PingResp)),
        Encode(new ReasonPacket(PacketType.Auth, ReasonCode.ContinueAuthentication)
        {
            Properties = new Properties { AuthenticationMethod = "SCRAM", AuthenticationData = [4, 5, 6] },
        }.WriteTo),
        Encode(new ReasonPacket(PacketType.Disconnect, ReasonCode.DisconnectWithWillMessage).WriteTo),
        Encode(new ReasonPacket(PacketType.Disconnect, ReasonCode.ServerMoved)
        {
            Properties = new Properties { SessionExpiryInterval = 0, ServerReference = "b:1883", ReasonString = "moved" },
        }.WriteTo),
        Encode(new ReasonPacket(PacketType.Disconnect, ReasonCode.NormalDisconnection).WriteTo),
    ];

    private static readonly byte[] StreamBytes = [.. Packets.SelectMany(p => p)];

    /// <summary>Each packet parsed from its own contiguous array: what every other way must give.</summary>
    private static List<string> Expected()
    {
        var expected = new List<string>();
        foreach (var packet in Packets)
            expected.Add(Read(packet));
        return expected;
    }

    private static List<string> ReadAll(ref ReadOnlySequence<byte> buffer)
    {
        var packets = new List<string>();
        while (PacketFrame.TryRead(ref buffer, int.MaxValue, out var header, out var body))
            packets.Add(PacketDump.Describe(header, body, ProtocolVersion.V500));
        return packets;
    }

    private static void AssertParsesWhole(ReadOnlySequence<byte> buffer, string shape)
    {
        var packets = ReadAll(ref buffer);

        Assert.True(buffer.IsEmpty, $"{shape}: {buffer.Length} bytes left over");
        Assert.Equal(Expected(), packets);
    }

    [Fact]
    public void Stream_holds_every_packet_type_of_5_with_properties()
    {
        var types = new HashSet<PacketType>();
        foreach (var packet in Packets)
            types.Add(PacketFrame.TypeOf(packet[0]));
        var withProperties = Expected().Count(p => p.Contains("props={", StringComparison.Ordinal));

        Assert.Equal(15, types.Count);
        Assert.True(withProperties >= 12, $"{withProperties} packets carry properties");
    }

    [Fact]
    public void Stream_parses_whole() =>
        AssertParsesWhole(new ReadOnlySequence<byte>(StreamBytes), "whole");

    [Fact]
    public void Stream_parses_split_in_two_at_every_byte()
    {
        for (var at = 0; at <= StreamBytes.Length; at++)
            AssertParsesWhole(Sequences.SplitAt(StreamBytes, at), $"split at {at}");
    }

    [Fact]
    public void Stream_parses_one_byte_per_segment() =>
        AssertParsesWhole(Sequences.OneBytePerSegment(StreamBytes), "one byte per segment");

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Stream_parses_when_fed_one_byte_at_a_time_to_a_read_loop(bool segmented)
    {
        var pending = new List<byte>();
        var packets = new List<string>();
        foreach (var b in StreamBytes)
        {
            pending.Add(b);
            var bytes = pending.ToArray();
            var buffer = segmented ? Sequences.OneBytePerSegment(bytes) : new ReadOnlySequence<byte>(bytes);
            var before = packets.Count;

            packets.AddRange(ReadAll(ref buffer));

            var consumed = bytes.Length - (int)buffer.Length;
            Assert.True(consumed == 0 || packets.Count > before, "bytes are consumed only with a whole packet");
            pending.RemoveRange(0, consumed);
        }

        Assert.Empty(pending);
        Assert.Equal(Expected(), packets);
    }
}

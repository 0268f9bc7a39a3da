using System.Buffers;
using System.Text;
using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>
/// A stream of packets parses the same however the network cuts it: whole, split in two at every
/// byte, one byte per segment, and fed a byte at a time to a read loop that keeps what it did not
/// consume (as StackExchange.Redis and Kestrel test their parsers).
/// </summary>
public sealed class SplitReadingTests
{
    private static readonly byte[][] Packets =
    [
        Wire.Encode(new ConnectPacket
        {
            ClientId = "client-ü",
            KeepAliveSeconds = 30,
            Will = new ConnectWill("will/€", [0x00, 0x01], QualityOfService.AtLeastOnce, Retain: true),
            Username = "user",
            Password = [0x70, 0x00],
        }.WriteTo),
        Wire.Encode(new ConnAckPacket(true, ConnectReturnCode.Accepted).WriteTo),
        Wire.Encode(new PublishPacket
        {
            Topic = "a/b",
            Payload = new ReadOnlySequence<byte>("hi"u8.ToArray()),
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 10,
        }.WriteTo),
        Wire.Encode(new PublishPacket
        {
            Topic = "ü/€/😀",
            Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(new string('p', 200))),
            QoS = QualityOfService.ExactlyOnce,
            PacketId = 0xFFFF,
            Dup = true,
            Retain = true,
        }.WriteTo),
        Wire.Encode(new PublishPacket { Topic = "t", Payload = ReadOnlySequence<byte>.Empty }.WriteTo),
        Wire.Encode(new AckPacket(PacketType.PubAck, 10).WriteTo),
        Wire.Encode(new AckPacket(PacketType.PubRec, 0xFFFF).WriteTo),
        Wire.Encode(new AckPacket(PacketType.PubRel, 0xFFFF).WriteTo),
        Wire.Encode(new AckPacket(PacketType.PubComp, 0xFFFF).WriteTo),
        Wire.Encode(new SubscribePacket(3, [new("a/+", QualityOfService.AtLeastOnce), new("#", QualityOfService.ExactlyOnce)]).WriteTo),
        Wire.Encode(new SubAckPacket(3, [0x01, SubAckPacket.Failure]).WriteTo),
        Wire.Encode(new UnsubscribePacket(4, ["a/+", "ü/#"]).WriteTo),
        Wire.Encode(new UnsubAckPacket(4).WriteTo),
        Wire.Encode(writer => PacketFrame.WriteEmpty(writer, PacketType.PingReq)),
        Wire.Encode(writer => PacketFrame.WriteEmpty(writer, PacketType.PingResp)),
        Wire.Encode(writer => PacketFrame.WriteEmpty(writer, PacketType.Disconnect)),
    ];

    private static readonly byte[] StreamBytes = [.. Packets.SelectMany(p => p)];

    /// <summary>Each packet parsed from its own contiguous array: what every other way must give.</summary>
    private static List<string> Expected()
    {
        var expected = new List<string>();
        foreach (var packet in Packets)
        {
            var (header, body) = Wire.Frame(packet);
            expected.Add(PacketDump.Describe(header, body));
        }
        return expected;
    }

    /// <summary>Parses every whole packet at the front of <paramref name="buffer"/>, as one pass of the read loop.</summary>
    private static List<string> ReadAll(ref ReadOnlySequence<byte> buffer)
    {
        var packets = new List<string>();
        while (PacketFrame.TryRead(ref buffer, int.MaxValue, out var header, out var body))
            packets.Add(PacketDump.Describe(header, body));
        return packets;
    }

    private static void AssertParsesWhole(ReadOnlySequence<byte> buffer, string shape)
    {
        var packets = ReadAll(ref buffer);

        Assert.True(buffer.IsEmpty, $"{shape}: {buffer.Length} bytes left over");
        Assert.Equal(Expected(), packets);
    }

    [Fact]
    public void Stream_holds_every_packet_type_of_3_1_1()
    {
        var types = new HashSet<PacketType>();
        foreach (var packet in Packets)
            types.Add(PacketFrame.TypeOf(packet[0]));

        Assert.Equal(14, types.Count);
        Assert.Equal(16, Expected().Count);
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
        // The read loop's contract: parse every whole packet buffered, keep the rest, read more.
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

    [Fact]
    public void Publish_payload_split_across_segments_keeps_its_bytes()
    {
        var packet = Packets[3];
        for (var at = 0; at <= packet.Length; at++)
        {
            var (header, body) = Wire.Frame(Sequences.SplitAt(packet, at));

            var read = PublishPacket.Read(header, body);

            Assert.Equal("ü/€/😀", read.Topic);
            Assert.Equal(Encoding.UTF8.GetBytes("ü/€/😀"), read.TopicUtf8.ToArray());
            Assert.Equal(200, read.Payload.Length);
            Assert.Equal(0xFFFF, read.PacketId);
        }
    }
}

using System.Buffers;

namespace Herald.Protocol.Tests;

/// <summary>The fixed header and remaining length (section 2.2) and the framing contract of the read loop.</summary>
public sealed class PacketFrameTests
{
    [Theory]
    [Trait("Spec", "MQTT-2.2.3")]
    [InlineData(0, "00")]
    [InlineData(127, "7F")]
    [InlineData(128, "8001")]
    [InlineData(16_383, "FF7F")]
    [InlineData(16_384, "808001")]
    [InlineData(2_097_151, "FFFF7F")]
    [InlineData(2_097_152, "80808001")]
    [InlineData(268_435_455, "FFFFFF7F")]
    public void Remaining_length_is_written_as_table_2_4_shows(int remaining, string expected)
    {
        var header = new byte[5];
        var written = PacketFrame.WriteHeader(header, 0x30, remaining);

        Assert.Equal("30" + expected, Convert.ToHexString(header, 0, written));
        Assert.Equal(written - 1, PacketFrame.SizeOfRemainingLength(remaining));
        Assert.Equal(written + remaining, PacketFrame.PacketSize(remaining));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(16_383)]
    [InlineData(16_384)]
    [InlineData(2_097_151)]
    [InlineData(2_097_152)]
    public void Remaining_length_round_trips_at_every_boundary(int remaining)
    {
        var body = new byte[remaining];
        for (var i = 0; i < body.Length; i++)
            body[i] = (byte)(i * 7);
        var packet = new byte[PacketFrame.PacketSize(remaining)];
        var headerSize = PacketFrame.WriteHeader(packet, 0x30, remaining);
        body.CopyTo(packet, headerSize);
        var buffer = new ReadOnlySequence<byte>(packet);

        Assert.True(PacketFrame.TryRead(ref buffer, int.MaxValue, out var header, out var read));

        Assert.Equal(0x30, header);
        Assert.Equal(remaining, read.Length);
        Assert.Equal(body, read.ToArray());
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Largest_remaining_length_is_read_and_waits_for_its_body()
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Hex("30 FF FF FF 7F 00 01"));

        Assert.False(PacketFrame.TryRead(ref buffer, int.MaxValue, out _, out _));
        Assert.Equal(7, buffer.Length);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(PacketFrame.MaxRemainingLength + 1)]
    public void Remaining_length_beyond_four_bytes_cannot_be_written(int remaining)
    {
        var header = new byte[8];
        Assert.Throws<ArgumentOutOfRangeException>(() => PacketFrame.WriteHeader(header, 0x30, remaining));
    }

    [Theory]
    [Trait("Spec", "MQTT-2.2.3")]
    [InlineData("30 80 80 80 80 01")]
    [InlineData("30 FF FF FF FF 7F")]
    [InlineData("30 80 80 80 80")]
    public void Fifth_remaining_length_byte_is_malformed(string hex)
    {
        // Section 2.2.3: the remaining length is at most four bytes, so a continuation bit on the
        // fourth byte is malformed as soon as it is seen, without waiting for a fifth.
        var buffer = new ReadOnlySequence<byte>(Wire.Hex(hex));
        Expect.Malformed(() => PacketFrame.TryRead(ref buffer, int.MaxValue, out _, out _));
    }

    [Fact]
    public void Packet_of_exactly_the_maximum_size_is_read()
    {
        var packet = Wire.Packet(0x30, Wire.Str("a/b"), [1, 2, 3]); // 2 + 1 + 8 = 10 bytes
        var buffer = new ReadOnlySequence<byte>(packet);

        Assert.True(PacketFrame.TryRead(ref buffer, packet.Length, out _, out var body));
        Assert.Equal(packet.Length - 2, body.Length);
    }

    [Fact]
    public void Packet_above_the_maximum_size_is_too_large()
    {
        var packet = Wire.Packet(0x30, Wire.Str("a/b"), [1, 2, 3]);

        Expect.Error(PacketError.PacketTooLarge, () =>
        {
            var buffer = new ReadOnlySequence<byte>(packet);
            PacketFrame.TryRead(ref buffer, packet.Length - 1, out _, out _);
        });
    }

    [Fact]
    public void Packet_too_large_is_refused_before_its_body_arrives()
    {
        // Only the fixed header of a 2 MB packet is buffered: the read loop must not wait for it.
        var buffer = new ReadOnlySequence<byte>(Wire.Hex("30 80 80 80 01"));

        Expect.Error(PacketError.PacketTooLarge, () => PacketFrame.TryRead(ref buffer, 1024 * 1024, out _, out _));
    }

    [Fact]
    public void Empty_buffer_is_an_incomplete_packet()
    {
        var buffer = ReadOnlySequence<byte>.Empty;

        Assert.False(PacketFrame.TryRead(ref buffer, int.MaxValue, out _, out _));
        Assert.True(buffer.IsEmpty);
    }

    public static TheoryData<string> ValidPackets => new()
    {
        "10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63",
        "32 09 00 03 61 2F 62 00 0A 68 69",
        "90 06 00 01 00 01 02 80",
        "62 02 12 34",
        "C0 00",
        // 200 bytes of body: the remaining length takes two bytes.
        "30 C8 01 00 01 74" + string.Concat(Enumerable.Repeat(" 5A", 197)),
    };

    [Theory]
    [MemberData(nameof(ValidPackets))]
    public void Every_truncated_prefix_is_incomplete_and_consumes_nothing(string hex)
    {
        var packet = Wire.Hex(hex);
        for (var length = 0; length < packet.Length; length++)
        {
            var prefix = packet[..length];
            foreach (var original in new[] { new ReadOnlySequence<byte>(prefix), Sequences.OneBytePerSegment(prefix) })
            {
                var buffer = original;

                Assert.False(PacketFrame.TryRead(ref buffer, int.MaxValue, out _, out _), $"prefix of {length} bytes");
                Assert.Equal(original.Start, buffer.Start);
                Assert.Equal(original.End, buffer.End);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ValidPackets))]
    public void Whole_packet_is_taken_and_the_next_one_is_left(string hex)
    {
        var packet = Wire.Hex(hex);
        var next = Wire.Hex("D0 00");
        var buffer = new ReadOnlySequence<byte>([.. packet, .. next]);

        Assert.True(PacketFrame.TryRead(ref buffer, int.MaxValue, out var header, out var body));

        Assert.Equal(packet[0], header);
        Assert.Equal(packet[^(int)body.Length..], body.ToArray());
        Assert.Equal(next, buffer.ToArray());
    }

    [Theory]
    [InlineData(0x10, PacketType.Connect)]
    [InlineData(0x20, PacketType.ConnAck)]
    [InlineData(0x3D, PacketType.Publish)]
    [InlineData(0x40, PacketType.PubAck)]
    [InlineData(0x50, PacketType.PubRec)]
    [InlineData(0x62, PacketType.PubRel)]
    [InlineData(0x70, PacketType.PubComp)]
    [InlineData(0x82, PacketType.Subscribe)]
    [InlineData(0x90, PacketType.SubAck)]
    [InlineData(0xA2, PacketType.Unsubscribe)]
    [InlineData(0xB0, PacketType.UnsubAck)]
    [InlineData(0xC0, PacketType.PingReq)]
    [InlineData(0xD0, PacketType.PingResp)]
    [InlineData(0xE0, PacketType.Disconnect)]
    public void Packet_type_is_the_high_nibble(byte header, PacketType expected) =>
        Assert.Equal(expected, PacketFrame.TypeOf(header));
}

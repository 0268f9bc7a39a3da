using System.Buffers;
using System.Text;

namespace Herald.Protocol.Tests;

/// <summary>Two-byte integers, UTF-8 strings and binary data (section 1.5).</summary>
public sealed class WireFormatTests
{
    private static ushort ReadUInt16(in ReadOnlySequence<byte> bytes)
    {
        var reader = new SequenceReader<byte>(bytes);
        return WireFormat.ReadUInt16(ref reader);
    }

    private static string ReadString(in ReadOnlySequence<byte> bytes, out long consumed)
    {
        var reader = new SequenceReader<byte>(bytes);
        var value = WireFormat.ReadString(ref reader);
        consumed = reader.Consumed;
        return value;
    }

    private static string ReadString(byte[] bytes) => ReadString(new ReadOnlySequence<byte>(bytes), out _);

    private static byte[] ReadBinary(byte[] bytes, out long consumed)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(bytes));
        var value = WireFormat.ReadBinary(ref reader);
        consumed = reader.Consumed;
        return value;
    }

    [Fact]
    public void Two_byte_integer_is_big_endian()
    {
        // Section 1.5.2: the high order byte comes first.
        Assert.Equal(0x1234, ReadUInt16(new ReadOnlySequence<byte>([0x12, 0x34])));
        Assert.Equal(0xFFFF, ReadUInt16(new ReadOnlySequence<byte>([0xFF, 0xFF])));
        Assert.Equal(0x1234, ReadUInt16(Sequences.SplitAt([0x12, 0x34], 1)));
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x12 })]
    public void Two_byte_integer_cut_short_is_malformed(byte[] bytes) =>
        Expect.Malformed(() => ReadUInt16(new ReadOnlySequence<byte>(bytes)));

    [Fact]
    public void Missing_byte_is_malformed() =>
        Expect.Malformed(() =>
        {
            var reader = new SequenceReader<byte>(ReadOnlySequence<byte>.Empty);
            WireFormat.ReadByte(ref reader);
        });

    [Theory]
    [InlineData("", "0000")]
    [InlineData("MQTT", "00044D515454")]
    [InlineData("A𪛔", "000541F0AA9B94")]
    [InlineData("ü€", "0005C3BCE282AC")]
    public void String_is_written_and_read_with_a_two_byte_length(string value, string hex)
    {
        // Section 1.5.3; "A𪛔" is the example of figure 1.3 with U+2A6D4 encoded in four bytes.
        var written = new byte[2 + Encoding.UTF8.GetByteCount(value)];
        var size = WireFormat.WriteString(written, value);

        Assert.Equal(hex, Convert.ToHexString(written, 0, size));
        Assert.Equal(size, WireFormat.StringSize(value));
        Assert.Equal(value, ReadString(Convert.FromHexString(hex)));
    }

    [Fact]
    public void String_is_read_across_segments_at_every_split()
    {
        var bytes = Wire.Hex("00 0B C3 BC 2F E2 82 AC 2F F0 9F 98 80 FF");
        for (var at = 0; at <= bytes.Length; at++)
        {
            Assert.Equal("ü/€/😀", ReadString(Sequences.SplitAt(bytes, at), out var consumed));
            Assert.Equal(13, consumed);
        }
        Assert.Equal("ü/€/😀", ReadString(Sequences.OneBytePerSegment(bytes), out _));
    }

    [Fact]
    public void String_of_65535_bytes_is_read()
    {
        var value = new string('x', 65_535);

        Assert.Equal(value, ReadString([0xFF, 0xFF, .. Encoding.UTF8.GetBytes(value)]));
    }

    [Fact]
    public void String_above_65535_bytes_has_no_size()
    {
        Assert.Equal(65_537, WireFormat.StringSize(new string('x', 65_535)));
        Assert.Throws<ArgumentException>(() => WireFormat.StringSize(new string('x', 65_536)));
        Assert.Throws<ArgumentException>(() => WireFormat.StringSize(new string('€', 21_846)));
    }

    [Theory]
    [InlineData("00 04 61 62 63")]
    [InlineData("00 01")]
    [InlineData("FF FF 61")]
    public void String_longer_than_the_packet_is_malformed(string hex) =>
        Expect.Malformed(() => ReadString(Wire.Hex(hex)));

    [Theory]
    [Trait("Spec", "MQTT-1.5.3-1")]
    [InlineData("C3")] // lead byte without its continuation
    [InlineData("80")] // continuation without a lead byte
    [InlineData("C3 28")] // lead byte followed by ASCII
    [InlineData("C0 AF")] // overlong '/'
    [InlineData("E0 80 AF")] // overlong '/'
    [InlineData("F0 80 80 AF")] // overlong '/'
    [InlineData("ED A0 80")] // U+D800, high surrogate
    [InlineData("ED AF BF")] // U+DBFF
    [InlineData("ED B0 80")] // U+DC00, low surrogate
    [InlineData("ED BF BF")] // U+DFFF
    [InlineData("ED A0 BD ED B8 80")] // CESU-8 surrogate pair for U+1F600
    [InlineData("F4 90 80 80")] // above U+10FFFF
    [InlineData("F8 88 80 80 80")] // five-byte form
    [InlineData("FE")]
    [InlineData("FF")]
    public void String_that_is_not_well_formed_utf8_is_malformed(string utf8)
    {
        // [MQTT-1.5.3-1] well-formed UTF-8 as RFC 3629 defines it; no encodings of U+D800..U+DFFF.
        var bytes = Wire.Hex(utf8);
        Expect.Malformed(() => ReadString(Wire.StrBytes([0x61, .. bytes, 0x62])));
        Expect.Malformed(() => WireFormat.DecodeString(bytes));
    }

    [Theory]
    [Trait("Spec", "MQTT-1.5.3-2")]
    [InlineData("00")]
    [InlineData("61 00")]
    [InlineData("00 61")]
    public void String_containing_u0000_is_malformed(string utf8)
    {
        // [MQTT-1.5.3-2] a UTF-8 string must not include an encoding of the null character U+0000.
        Expect.Malformed(() => ReadString(Wire.StrBytes(Wire.Hex(utf8))));
    }

    [Fact]
    [Trait("Spec", "MQTT-1.5.3-3")]
    public void Byte_order_mark_is_kept_wherever_it_appears()
    {
        // [MQTT-1.5.3-3] EF BB BF is U+FEFF and must not be skipped or stripped.
        Assert.Equal("\uFEFFa\uFEFF", ReadString(Wire.StrBytes(Wire.Hex("EF BB BF 61 EF BB BF"))));
    }

    [Theory]
    [InlineData("EF BF BF", "\uFFFF")]
    [InlineData("F4 8F BF BF", "\U0010FFFF")]
    [InlineData("C2 80", "\u0080")]
    [InlineData("01", "\u0001")]
    public void Well_formed_code_points_other_than_u0000_are_accepted(string utf8, string expected)
    {
        // Section 1.5.3: control characters and non-characters are not malformed (a receiver MAY refuse them).
        Assert.Equal(expected, ReadString(Wire.StrBytes(Wire.Hex(utf8))));
    }

    [Fact]
    public void Binary_data_round_trips_any_bytes()
    {
        byte[] value = [0x00, 0xFF, 0xED, 0xA0, 0x80];
        var written = new byte[7];

        Assert.Equal(7, WireFormat.WriteBinary(written, value));
        Assert.Equal(Wire.Hex("00 05 00 FF ED A0 80"), written);
        Assert.Equal(value, ReadBinary(written, out var consumed));
        Assert.Equal(7, consumed);
    }

    [Fact]
    public void Empty_binary_data_is_read()
    {
        Assert.Empty(ReadBinary([0x00, 0x00, 0x99], out var consumed));
        Assert.Equal(2, consumed);
    }

    [Theory]
    [InlineData("00 03 01 02")]
    [InlineData("00")]
    public void Binary_data_longer_than_the_packet_is_malformed(string hex) =>
        Expect.Malformed(() => ReadBinary(Wire.Hex(hex), out _));
}

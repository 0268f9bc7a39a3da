using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Herald.Protocol;

/// <summary>The data representations of section 1.5: two-byte integers, UTF-8 strings, binary data.</summary>
public static class WireFormat
{
    public static ushort ReadUInt16(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadBigEndian(out short value))
            throw PacketException.Malformed("packet ends inside a two-byte integer");
        return (ushort)value;
    }

    /// <summary>Reads a variable byte integer (section 1.5.5) of at most four bytes.</summary>
    public static int ReadVariableByteInteger(ref SequenceReader<byte> reader)
    {
        var value = 0;
        for (var i = 0; i < 4; i++)
        {
            if (!reader.TryRead(out var b))
                throw PacketException.Malformed("packet ends inside a variable byte integer");
            value |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
                return value;
        }
        throw PacketException.Malformed("variable byte integer is longer than four bytes");
    }

    public static int VariableByteIntegerSize(int value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };

    public static int WriteVariableByteInteger(Span<byte> destination, int value)
    {
        var i = 0;
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0)
                b |= 0x80;
            destination[i++] = b;
        }
        while (value > 0);
        return i;
    }

    public static uint ReadUInt32(ref SequenceReader<byte> reader)
    {
        if (!reader.TryReadBigEndian(out int value))
            throw PacketException.Malformed("packet ends inside a four-byte integer");
        return (uint)value;
    }

    public static byte ReadByte(ref SequenceReader<byte> reader)
    {
        if (!reader.TryRead(out var value))
            throw PacketException.Malformed("packet ends before an expected byte");
        return value;
    }

    /// <summary>Reads a length-prefixed UTF-8 string, refusing ill-formed UTF-8 and U+0000.</summary>
    public static string ReadString(ref SequenceReader<byte> reader)
    {
        var length = ReadUInt16(ref reader);
        if (reader.Remaining < length)
            throw PacketException.Malformed("string is longer than the packet");
        var bytes = reader.UnreadSpan.Length >= length
            ? reader.UnreadSpan[..length]
            : reader.UnreadSequence.Slice(0, length).ToArray();
        reader.Advance(length);
        return DecodeString(bytes);
    }

    public static string DecodeString(ReadOnlySpan<byte> bytes)
    {
        // [MQTT-1.5.3-1] ill-formed UTF-8 (including encoded surrogates) is malformed.
        if (!Utf8.IsValid(bytes))
            throw PacketException.Malformed("string is not well-formed UTF-8");
        // [MQTT-1.5.3-2] U+0000 is encoded as a lone 0x00 byte in well-formed UTF-8.
        if (bytes.Contains((byte)0))
            throw PacketException.Malformed("string contains U+0000");
        return Encoding.UTF8.GetString(bytes);
    }

    public static byte[] ReadBinary(ref SequenceReader<byte> reader)
    {
        var length = ReadUInt16(ref reader);
        if (reader.Remaining < length)
            throw PacketException.Malformed("binary data is longer than the packet");
        var bytes = new byte[length];
        reader.TryCopyTo(bytes);
        reader.Advance(length);
        return bytes;
    }

    /// <summary>Encoded size of a string: two length bytes and its UTF-8 bytes.</summary>
    public static int StringSize(string value)
    {
        var size = Encoding.UTF8.GetByteCount(value);
        if (size > ushort.MaxValue)
            throw new ArgumentException($"string of {size} UTF-8 bytes exceeds 65535", nameof(value));
        return 2 + size;
    }

    /// <summary>Encoded size of binary data: two length bytes and the data.</summary>
    public static int BinarySize(ReadOnlySpan<byte> value)
    {
        if (value.Length > ushort.MaxValue)
            throw new ArgumentException($"binary data of {value.Length} bytes exceeds 65535", nameof(value));
        return 2 + value.Length;
    }

    public static int WriteString(Span<byte> destination, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, destination[2..]);
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)length);
        return 2 + length;
    }

    public static int WriteBinary(Span<byte> destination, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)value.Length);
        value.CopyTo(destination[2..]);
        return 2 + value.Length;
    }
}

using System.Buffers;

namespace Herald.Protocol;

/// <summary>
/// The fixed header (section 2.2): one byte of type and flags, then the remaining length as a
/// variable byte integer of one to four bytes. <see cref="TryRead"/> is the framing contract of
/// the read loop: it takes one whole packet off the front of the buffer or takes nothing.
/// </summary>
public static class PacketFrame
{
    /// <summary>The largest remaining length four variable-length bytes can carry (256 MB).</summary>
    public const int MaxRemainingLength = 268_435_455;

    /// <summary>The largest whole packet: a maximal remaining length and its five-byte fixed header.</summary>
    public const int MaxPacketSize = MaxRemainingLength + 5;

    /// <summary>
    /// Takes one whole packet off the front of <paramref name="buffer"/>. Returns false, consuming
    /// nothing, while the packet is incomplete.
    /// </summary>
    /// <exception cref="PacketException">The remaining length is malformed or above <paramref name="maxPacketSize"/>.</exception>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxPacketSize, out byte header, out ReadOnlySequence<byte> body)
    {
        body = default;
        header = 0;
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryRead(out header))
            return false;

        var remaining = 0;
        for (var i = 0; ; i++)
        {
            if (!reader.TryRead(out var b))
                return false;
            remaining |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
                break;
            if (i == 3)
                throw PacketException.Malformed("remaining length is longer than four bytes");
        }

        var total = reader.Consumed + remaining;
        if (total > maxPacketSize)
            throw new PacketException(PacketError.PacketTooLarge, $"packet of {total} bytes exceeds the maximum of {maxPacketSize}");
        if (reader.Remaining < remaining)
            return false;

        body = buffer.Slice(reader.Position, remaining);
        buffer = buffer.Slice(body.End);
        return true;
    }

    public static PacketType TypeOf(byte header) => (PacketType)(header >> 4);

    /// <summary>
    /// Checks the reserved flag bits that section 2.2.2 fixes for every type but PUBLISH
    /// [MQTT-2.2.2-1] [MQTT-2.2.2-2].
    /// </summary>
    public static void ValidateFlags(byte header)
    {
        var flags = header & 0x0F;
        var expected = TypeOf(header) switch
        {
            PacketType.Publish => flags,
            PacketType.PubRel or PacketType.Subscribe or PacketType.Unsubscribe => 0b0010,
            _ => 0,
        };
        if (flags != expected)
            throw PacketException.Malformed($"reserved flags 0x{flags:X} are invalid for {TypeOf(header)}");
    }

    public static int SizeOfRemainingLength(int remaining) => WireFormat.VariableByteIntegerSize(remaining);

    /// <summary>Size of a whole packet with this remaining length.</summary>
    public static int PacketSize(int remaining) => 1 + SizeOfRemainingLength(remaining) + remaining;

    /// <summary>Writes the fixed header and returns how many bytes it took.</summary>
    public static int WriteHeader(Span<byte> destination, byte header, int remaining)
    {
        if ((uint)remaining > MaxRemainingLength)
            throw new ArgumentOutOfRangeException(nameof(remaining), remaining, "remaining length exceeds 268435455");
        destination[0] = header;
        return 1 + WireFormat.WriteVariableByteInteger(destination[1..], remaining);
    }

    /// <summary>Writes a packet that is only a fixed header: PINGREQ, PINGRESP, DISCONNECT (3.1.1).</summary>
    public static void WriteEmpty(IBufferWriter<byte> writer, PacketType type)
    {
        var span = writer.GetSpan(2);
        span[0] = (byte)((byte)type << 4);
        span[1] = 0;
        writer.Advance(2);
    }

    /// <summary>Checks that a packet that has no body in 3.1.1 has none.</summary>
    public static void ValidateEmpty(PacketType type, in ReadOnlySequence<byte> body)
    {
        if (!body.IsEmpty)
            throw PacketException.Malformed($"{type} must have a remaining length of 0");
    }
}

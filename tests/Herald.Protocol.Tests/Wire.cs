using System.Buffers;
using System.Text;

namespace Herald.Protocol.Tests;

/// <summary>Builds packet bytes by hand, independently of the codec's own writers.</summary>
internal static class Wire
{
    /// <summary>Bytes from hex with optional spaces: "10 0F 00 04".</summary>
    public static byte[] Hex(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    public static string ToHex(in ReadOnlySequence<byte> bytes) => Convert.ToHexString(bytes.ToArray());

    /// <summary>What a writer produced, as an array.</summary>
    public static byte[] Encode(Action<IBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>A UTF-8 string with its two-byte length prefix (section 1.5.3).</summary>
    public static byte[] Str(string value) => StrBytes(Encoding.UTF8.GetBytes(value));

    /// <summary>Raw bytes with a two-byte length prefix, for strings that are not well-formed UTF-8.</summary>
    public static byte[] StrBytes(byte[] bytes) => [(byte)(bytes.Length >> 8), (byte)bytes.Length, .. bytes];

    /// <summary>A whole packet: the header byte, the remaining length as section 2.2.3 encodes it, the parts.</summary>
    public static byte[] Packet(byte header, params byte[][] parts)
    {
        var body = new List<byte>();
        foreach (var part in parts)
            body.AddRange(part);
        var packet = new List<byte> { header };
        var remaining = body.Count;
        do
        {
            var digit = (byte)(remaining % 128);
            remaining /= 128;
            if (remaining > 0)
                digit |= 0x80;
            packet.Add(digit);
        }
        while (remaining > 0);
        packet.AddRange(body);
        return [.. packet];
    }

    /// <summary>Frames a buffer that holds exactly one whole packet.</summary>
    public static (byte Header, ReadOnlySequence<byte> Body) Frame(byte[] packet) =>
        Frame(new ReadOnlySequence<byte>(packet));

    public static (byte Header, ReadOnlySequence<byte> Body) Frame(ReadOnlySequence<byte> buffer)
    {
        Assert.True(PacketFrame.TryRead(ref buffer, int.MaxValue, out var header, out var body), "the packet is whole");
        Assert.True(buffer.IsEmpty, "the buffer holds exactly one packet");
        return (header, body);
    }
}

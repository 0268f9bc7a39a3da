using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Bench.PubSub;

/// <summary>
/// A bench message: the publisher-local sequence number (8 bytes), the <see cref="System.Diagnostics.Stopwatch"/>
/// timestamp when it was handed to the client (8 bytes; publisher and subscriber share one
/// process, so the clock is the same), then filler up to the payload size.
/// </summary>
public static class Payload
{
    public const int HeaderSize = 16;

    public static void Stamp(Span<byte> payload, long sequence, long timestamp)
    {
        BinaryPrimitives.WriteInt64LittleEndian(payload, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(payload[8..], timestamp);
    }

    public static bool TryRead(in ReadOnlySequence<byte> payload, out long sequence, out long timestamp)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        if (payload.Length < HeaderSize)
        {
            sequence = timestamp = 0;
            return false;
        }
        payload.Slice(0, HeaderSize).CopyTo(header);
        sequence = BinaryPrimitives.ReadInt64LittleEndian(header);
        timestamp = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);
        return true;
    }
}

using System.Buffers;

namespace Herald.Protocol.Tests;

/// <summary>The shapes a receive buffer takes: whole, split in two, one byte per segment.</summary>
internal static class Sequences
{
    public static ReadOnlySequence<byte> Of(params ReadOnlyMemory<byte>[] chunks)
    {
        if (chunks.Length == 0)
            return ReadOnlySequence<byte>.Empty;
        var first = new MemorySegment(chunks[0]);
        var last = first;
        for (var i = 1; i < chunks.Length; i++)
            last = last.Append(chunks[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Two segments, the first holding <paramref name="at"/> bytes (either may be empty).</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] bytes, int at) =>
        Of(bytes.AsMemory(0, at), bytes.AsMemory(at));

    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] bytes)
    {
        var chunks = new ReadOnlyMemory<byte>[bytes.Length];
        for (var i = 0; i < bytes.Length; i++)
            chunks[i] = bytes.AsMemory(i, 1);
        return Of(chunks);
    }
}

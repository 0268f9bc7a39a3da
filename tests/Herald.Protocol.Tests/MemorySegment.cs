using System.Buffers;

namespace Herald.Protocol.Tests;

/// <summary>One segment of a hand-built multi-segment <see cref="ReadOnlySequence{T}"/>, as a pipe hands them out.</summary>
internal sealed class MemorySegment : ReadOnlySequenceSegment<byte>
{
    public MemorySegment(ReadOnlyMemory<byte> memory) => Memory = memory;

    public MemorySegment Append(ReadOnlyMemory<byte> memory)
    {
        var next = new MemorySegment(memory) { RunningIndex = RunningIndex + Memory.Length };
        Next = next;
        return next;
    }
}

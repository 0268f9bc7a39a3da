using System.Buffers;

namespace Herald.Server.Transport;

/// <summary>
/// Where an event loop encodes a connection's queued packets before it sends them: one per loop
/// thread, shared by its connections.
/// </summary>
internal static class SendBuffer
{
    private const int LoopSize = 64 * 1024;
    private const int LargestKept = 1024 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static ArrayBufferWriter<byte> ForThisThread() => t_buffer ??= new ArrayBufferWriter<byte>(LoopSize);

    /// <summary>After an unusually large packet the buffer goes; the next write makes a usual one.</summary>
    public static void Trim()
    {
        if (t_buffer is { Capacity: > LargestKept })
            t_buffer = null;
    }
}

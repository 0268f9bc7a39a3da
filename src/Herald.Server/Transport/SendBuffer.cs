using System.Buffers;

namespace Herald.Server.Transport;

/// <summary>
/// Where a thread encodes a connection's queued packets before it sends them: one per thread, as
/// a loop writes its own connections and any thread may write one whose loop sleeps.
/// </summary>
internal static class SendBuffer
{
    private const int LoopSize = 64 * 1024;
    private const int LargestKept = 1024 * 1024;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>This thread's buffer: 64 KB on an event loop, which writes in batches, 4 KB elsewhere to start with.</summary>
    public static ArrayBufferWriter<byte> ForThisThread() =>
        t_buffer ??= new ArrayBufferWriter<byte>(EpollLoop.IsLoopThread ? LoopSize : 4096);

    /// <summary>After an unusually large packet the buffer goes; the next write makes a usual one.</summary>
    public static void Trim()
    {
        if (t_buffer is { Capacity: > LargestKept })
            t_buffer = null;
    }
}

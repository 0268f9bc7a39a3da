using System.Buffers;

namespace Herald.Bench.Client;

/// <summary>
/// What a <see cref="BenchClient"/> hands the role that owns it (publisher or subscriber): PUBLISH,
/// PUBACK, PUBREC, PUBREL and PUBCOMP, on the connection's read loop. The body is a slice of the
/// receive buffer, valid only during the call.
/// </summary>
public interface IPacketHandler
{
    void OnPacket(BenchClient client, byte header, in ReadOnlySequence<byte> body);
}

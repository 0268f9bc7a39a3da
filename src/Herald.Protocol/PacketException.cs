namespace Herald.Protocol;

/// <summary>
/// Thrown by the codec when input breaks the specification. Only bad input raises it, so the
/// cost of an exception is paid by the misbehaving connection alone.
/// </summary>
public sealed class PacketException(PacketError error, string message) : Exception(message)
{
    public PacketError Error { get; } = error;

    public static PacketException Malformed(string message) => new(PacketError.MalformedPacket, message);

    public static PacketException Protocol(string message) => new(PacketError.ProtocolError, message);
}

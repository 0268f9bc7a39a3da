namespace Herald.Protocol;

/// <summary>
/// Thrown by the codec, and by the engine's protocol checks, when input breaks the specification.
/// Only bad input raises it, so the cost of an exception is paid by the misbehaving connection.
/// </summary>
public sealed class PacketException(PacketError error, string message) : Exception(message)
{
    public PacketError Error { get; } = error;

    /// <summary>The MQTT 5 DISCONNECT reason: by default the one for <see cref="Error"/>, or a more precise one.</summary>
    public ReasonCode Reason { get; init; } = error switch
    {
        PacketError.ProtocolError => ReasonCode.ProtocolError,
        PacketError.PacketTooLarge => ReasonCode.PacketTooLarge,
        PacketError.UnsupportedProtocolVersion => ReasonCode.UnsupportedProtocolVersion,
        _ => ReasonCode.MalformedPacket,
    };

    public static PacketException Malformed(string message) => new(PacketError.MalformedPacket, message);

    public static PacketException Protocol(string message) => new(PacketError.ProtocolError, message);

    public static PacketException Protocol(ReasonCode reason, string message) => new(PacketError.ProtocolError, message) { Reason = reason };
}

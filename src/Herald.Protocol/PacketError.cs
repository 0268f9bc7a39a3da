namespace Herald.Protocol;

/// <summary>
/// Why a packet was refused. MQTT 3.1.1 can only close the connection; MQTT 5 maps each
/// kind to its DISCONNECT reason code (0x81, 0x82, 0x95).
/// </summary>
public enum PacketError
{
    /// <summary>The bytes do not form a packet the specification allows.</summary>
    MalformedPacket,

    /// <summary>The packet is well formed but not allowed at this point of the conversation.</summary>
    ProtocolError,

    /// <summary>The packet is larger than the receiver's maximum packet size.</summary>
    PacketTooLarge,

    /// <summary>CONNECT names a protocol level this server does not speak (CONNACK 0x01).</summary>
    UnsupportedProtocolVersion,
}

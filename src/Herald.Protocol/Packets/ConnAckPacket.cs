using System.Buffers;

namespace Herald.Protocol.Packets;

/// <summary>
/// CONNACK (section 3.2). MQTT 3.1/3.1.1 carry a <see cref="ConnectReturnCode"/>; MQTT 5 carries a
/// <see cref="ReasonCode"/> and properties instead.
/// </summary>
public readonly record struct ConnAckPacket(bool SessionPresent, ConnectReturnCode ReturnCode)
{
    public ReasonCode Reason { get; init; }

    public Properties? Properties { get; init; }

    public static ConnAckPacket Read(byte header, in ReadOnlySequence<byte> body) => Read(header, body, ProtocolVersion.V311);

    public static ConnAckPacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version)
    {
        PacketFrame.ValidateFlags(header);
        var v5 = version == ProtocolVersion.V500;
        if (!v5 && body.Length != 2)
            throw PacketException.Malformed("CONNACK must have a remaining length of 2");
        var reader = new SequenceReader<byte>(body);
        var flags = WireFormat.ReadByte(ref reader);
        if ((flags & 0xFE) != 0)
            throw PacketException.Malformed("CONNACK reserved flags are set");
        var code = WireFormat.ReadByte(ref reader);
        if (v5)
        {
            var properties = Properties.Read(ref reader, (int)PacketType.ConnAck);
            if (!reader.End)
                throw PacketException.Malformed("CONNACK has bytes after its properties");
            return new ConnAckPacket((flags & 0x01) != 0, default) { Reason = (ReasonCode)code, Properties = properties };
        }
        if (code > (byte)ConnectReturnCode.NotAuthorized)
            throw PacketException.Malformed($"CONNACK return code 0x{code:X2} is reserved");
        return new ConnAckPacket((flags & 0x01) != 0, (ConnectReturnCode)code);
    }

    public void WriteTo(IBufferWriter<byte> writer) => WriteTo(writer, ProtocolVersion.V311);

    public void WriteTo(IBufferWriter<byte> writer, ProtocolVersion version)
    {
        var v5 = version == ProtocolVersion.V500;
        var remaining = 2 + (v5 ? Properties.SizeOf(Properties) : 0);
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)PacketType.ConnAck << 4, remaining);
        span[i++] = SessionPresent ? (byte)1 : (byte)0;
        span[i++] = v5 ? (byte)Reason : (byte)ReturnCode;
        if (v5)
            i += Properties.Write(span[i..], Properties);
        writer.Advance(i);
    }
}

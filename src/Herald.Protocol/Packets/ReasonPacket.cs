using System.Buffers;

namespace Herald.Protocol.Packets;

/// <summary>
/// DISCONNECT and AUTH (sections 3.14, 3.15): in MQTT 5 a reason code and properties, both
/// omitted on the wire when the reason is 0x00 and there are no properties. A 3.1.1 DISCONNECT
/// is the fixed header alone.
/// </summary>
public readonly record struct ReasonPacket(PacketType Type, ReasonCode Reason)
{
    public Properties? Properties { get; init; }

    public static ReasonPacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version)
    {
        PacketFrame.ValidateFlags(header);
        var type = PacketFrame.TypeOf(header);
        if (version != ProtocolVersion.V500)
        {
            if (type == PacketType.Auth)
                throw PacketException.Malformed("AUTH exists only in MQTT 5");
            PacketFrame.ValidateEmpty(type, body);
            return new ReasonPacket(type, ReasonCode.Success);
        }
        var reader = new SequenceReader<byte>(body);
        var reason = reader.End ? ReasonCode.Success : (ReasonCode)WireFormat.ReadByte(ref reader);
        var properties = reader.End ? null : Properties.Read(ref reader, (int)type);
        if (!reader.End)
            throw PacketException.Malformed($"{type} has bytes after its properties");
        return new ReasonPacket(type, reason) { Properties = properties };
    }

    public void WriteTo(IBufferWriter<byte> writer, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500 || (Reason == ReasonCode.Success && Properties is null))
        {
            PacketFrame.WriteEmpty(writer, Type);
            return;
        }
        var remaining = 1 + (Properties is null ? 0 : Properties.SizeOf(Properties));
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)((byte)Type << 4), remaining);
        span[i++] = (byte)Reason;
        if (Properties is not null)
            i += Properties.Write(span[i..], Properties);
        writer.Advance(i);
    }
}

using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>
/// PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4 - 3.7): a packet identifier, and in MQTT 5 a
/// reason code and properties, both omitted on the wire when the reason is Success and there
/// are no properties.
/// </summary>
public readonly record struct AckPacket(PacketType Type, ushort PacketId)
{
    public ReasonCode Reason { get; init; }

    public Properties? Properties { get; init; }

    public static AckPacket Read(byte header, in ReadOnlySequence<byte> body) => Read(header, body, ProtocolVersion.V311);

    public static AckPacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version)
    {
        PacketFrame.ValidateFlags(header); // [MQTT-3.6.1-1] PUBREL flags are 0010
        var type = PacketFrame.TypeOf(header);
        if (version != ProtocolVersion.V500 || body.Length == 2)
            return new AckPacket(type, ReadPacketIdOnly(body));

        var reader = new SequenceReader<byte>(body);
        var packetId = ReadPacketId(ref reader);
        var reason = (ReasonCode)WireFormat.ReadByte(ref reader);
        var properties = reader.End ? null : Properties.Read(ref reader, (int)type);
        if (!reader.End)
            throw PacketException.Malformed($"{type} has bytes after its properties");
        return new AckPacket(type, packetId) { Reason = reason, Properties = properties };
    }

    /// <summary>Reads a body that is exactly one non-zero packet identifier.</summary>
    public static ushort ReadPacketIdOnly(in ReadOnlySequence<byte> body)
    {
        if (body.Length != 2)
            throw PacketException.Malformed("remaining length must be 2");
        var reader = new SequenceReader<byte>(body);
        return ReadPacketId(ref reader);
    }

    public static ushort ReadPacketId(ref SequenceReader<byte> reader)
    {
        var id = WireFormat.ReadUInt16(ref reader);
        if (id == 0)
            throw PacketException.Malformed("packet identifier is 0"); // [MQTT-2.3.1-1]
        return id;
    }

    public void WriteTo(IBufferWriter<byte> writer) => WriteTo(writer, ProtocolVersion.V311);

    public void WriteTo(IBufferWriter<byte> writer, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500 || (Reason == ReasonCode.Success && Properties is null))
        {
            Write(writer, Type, PacketId);
            return;
        }
        var remaining = 3 + (Properties is null ? 0 : Properties.SizeOf(Properties));
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, HeaderOf(Type), remaining);
        BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
        i += 2;
        span[i++] = (byte)Reason;
        if (Properties is not null)
            i += Properties.Write(span[i..], Properties);
        writer.Advance(i);
    }

    /// <summary>Writes the two-byte form: packet id only (3.1.1, or MQTT 5 with Success and no properties).</summary>
    public static void Write(IBufferWriter<byte> writer, PacketType type, ushort packetId)
    {
        var span = writer.GetSpan(4);
        span[0] = HeaderOf(type);
        span[1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], packetId);
        writer.Advance(4);
    }

    private static byte HeaderOf(PacketType type) => (byte)((byte)type << 4 | (type == PacketType.PubRel ? 0b0010 : 0));
}

using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>
/// PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4 - 3.7): in 3.1.1 each is a packet
/// identifier and nothing else.
/// </summary>
public readonly record struct AckPacket(PacketType Type, ushort PacketId)
{
    public static AckPacket Read(byte header, in ReadOnlySequence<byte> body)
    {
        PacketFrame.ValidateFlags(header); // [MQTT-3.6.1-1] PUBREL flags are 0010
        return new AckPacket(PacketFrame.TypeOf(header), ReadPacketIdOnly(body));
    }

    /// <summary>Reads a body that is exactly one non-zero packet identifier.</summary>
    public static ushort ReadPacketIdOnly(in ReadOnlySequence<byte> body)
    {
        if (body.Length != 2)
            throw PacketException.Malformed("remaining length must be 2");
        var reader = new SequenceReader<byte>(body);
        var id = WireFormat.ReadUInt16(ref reader);
        if (id == 0)
            throw PacketException.Malformed("packet identifier is 0"); // [MQTT-2.3.1-1]
        return id;
    }

    public void WriteTo(IBufferWriter<byte> writer) => Write(writer, Type, PacketId);

    public static void Write(IBufferWriter<byte> writer, PacketType type, ushort packetId)
    {
        var span = writer.GetSpan(4);
        span[0] = (byte)((byte)type << 4 | (type == PacketType.PubRel ? 0b0010 : 0));
        span[1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], packetId);
        writer.Advance(4);
    }
}

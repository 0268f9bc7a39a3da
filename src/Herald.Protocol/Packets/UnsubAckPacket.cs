using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>UNSUBACK (section 3.11): in MQTT 5 with one reason code per filter and properties.</summary>
public readonly record struct UnsubAckPacket(ushort PacketId)
{
    public IReadOnlyList<byte>? ReasonCodes { get; init; }

    public Properties? Properties { get; init; }

    public static UnsubAckPacket Read(byte header, in ReadOnlySequence<byte> body) => Read(header, body, ProtocolVersion.V311);

    public static UnsubAckPacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version)
    {
        PacketFrame.ValidateFlags(header);
        if (version != ProtocolVersion.V500)
            return new UnsubAckPacket(AckPacket.ReadPacketIdOnly(body));
        var reader = new SequenceReader<byte>(body);
        var packetId = AckPacket.ReadPacketId(ref reader);
        var properties = Properties.Read(ref reader, (int)PacketType.UnsubAck);
        var codes = new byte[reader.Remaining];
        reader.TryCopyTo(codes);
        if (codes.Length == 0)
            throw PacketException.Protocol("UNSUBACK has no reason code");
        return new UnsubAckPacket(packetId) { ReasonCodes = codes, Properties = properties };
    }

    public void WriteTo(IBufferWriter<byte> writer) => WriteTo(writer, ProtocolVersion.V311);

    public void WriteTo(IBufferWriter<byte> writer, ProtocolVersion version)
    {
        if (version != ProtocolVersion.V500)
        {
            AckPacket.Write(writer, PacketType.UnsubAck, PacketId);
            return;
        }
        var codes = ReasonCodes ?? [];
        var remaining = 2 + Properties.SizeOf(Properties) + codes.Count;
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)PacketType.UnsubAck << 4, remaining);
        BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
        i += 2;
        i += Properties.Write(span[i..], Properties);
        foreach (var code in codes)
            span[i++] = code;
        writer.Advance(i);
    }
}

using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>
/// SUBACK (section 3.9): one code per filter — the granted QoS, or a failure (0x80 in 3.1.1; an
/// MQTT 5 reason code at or above 0x80 in 5.0).
/// </summary>
public sealed record SubAckPacket(ushort PacketId, IReadOnlyList<byte> ReturnCodes)
{
    public const byte Failure = 0x80;

    public Properties? Properties { get; init; }

    public static SubAckPacket Read(byte header, in ReadOnlySequence<byte> body) => Read(header, body, ProtocolVersion.V311);

    public static SubAckPacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version)
    {
        PacketFrame.ValidateFlags(header);
        var v5 = version == ProtocolVersion.V500;
        var reader = new SequenceReader<byte>(body);
        var packetId = WireFormat.ReadUInt16(ref reader);
        if (packetId == 0)
            throw PacketException.Malformed("SUBACK packet identifier is 0"); // [MQTT-2.3.1-1]
        var properties = v5 ? Properties.Read(ref reader, (int)PacketType.SubAck) : null;
        var codes = new byte[reader.Remaining];
        reader.TryCopyTo(codes);
        foreach (var code in codes)
        {
            if (code > 2 && (v5 ? code < Failure : code != Failure))
                throw PacketException.Malformed($"SUBACK return code 0x{code:X2} is reserved"); // [MQTT-3.9.3-2]
        }
        if (codes.Length == 0)
            throw PacketException.Malformed("SUBACK has no return code");
        return new SubAckPacket(packetId, codes) { Properties = properties };
    }

    public void WriteTo(IBufferWriter<byte> writer) => WriteTo(writer, ProtocolVersion.V311);

    public void WriteTo(IBufferWriter<byte> writer, ProtocolVersion version)
    {
        var v5 = version == ProtocolVersion.V500;
        var remaining = 2 + (v5 ? Properties.SizeOf(Properties) : 0) + ReturnCodes.Count;
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)PacketType.SubAck << 4, remaining);
        BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
        i += 2;
        if (v5)
            i += Properties.Write(span[i..], Properties);
        foreach (var code in ReturnCodes)
            span[i++] = code;
        writer.Advance(i);
    }
}

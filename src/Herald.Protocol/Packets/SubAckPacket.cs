using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>SUBACK (section 3.9): one return code per filter, the granted QoS or 0x80.</summary>
public sealed record SubAckPacket(ushort PacketId, IReadOnlyList<byte> ReturnCodes)
{
    public const byte Failure = 0x80;

    public static SubAckPacket Read(byte header, in ReadOnlySequence<byte> body)
    {
        PacketFrame.ValidateFlags(header);
        var reader = new SequenceReader<byte>(body);
        var packetId = WireFormat.ReadUInt16(ref reader);
        if (packetId == 0)
            throw PacketException.Malformed("SUBACK packet identifier is 0"); // [MQTT-2.3.1-1]
        var codes = new byte[reader.Remaining];
        reader.TryCopyTo(codes);
        foreach (var code in codes)
        {
            if (code > 2 && code != Failure)
                throw PacketException.Malformed($"SUBACK return code 0x{code:X2} is reserved"); // [MQTT-3.9.3-2]
        }
        if (codes.Length == 0)
            throw PacketException.Malformed("SUBACK has no return code");
        return new SubAckPacket(packetId, codes);
    }

    public void WriteTo(IBufferWriter<byte> writer)
    {
        var remaining = 2 + ReturnCodes.Count;
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)PacketType.SubAck << 4, remaining);
        BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
        i += 2;
        foreach (var code in ReturnCodes)
            span[i++] = code;
        writer.Advance(i);
    }
}

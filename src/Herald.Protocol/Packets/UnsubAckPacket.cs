using System.Buffers;

namespace Herald.Protocol.Packets;

/// <summary>UNSUBACK (section 3.11).</summary>
public readonly record struct UnsubAckPacket(ushort PacketId)
{
    public static UnsubAckPacket Read(byte header, in ReadOnlySequence<byte> body)
    {
        PacketFrame.ValidateFlags(header);
        return new UnsubAckPacket(AckPacket.ReadPacketIdOnly(body));
    }

    public void WriteTo(IBufferWriter<byte> writer) => AckPacket.Write(writer, PacketType.UnsubAck, PacketId);
}

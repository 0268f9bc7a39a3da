using System.Buffers;

namespace Herald.Protocol.Packets;

/// <summary>CONNACK (section 3.2).</summary>
public readonly record struct ConnAckPacket(bool SessionPresent, ConnectReturnCode ReturnCode)
{
    public static ConnAckPacket Read(byte header, in ReadOnlySequence<byte> body)
    {
        PacketFrame.ValidateFlags(header);
        if (body.Length != 2)
            throw PacketException.Malformed("CONNACK must have a remaining length of 2");
        var reader = new SequenceReader<byte>(body);
        var flags = WireFormat.ReadByte(ref reader);
        if ((flags & 0xFE) != 0)
            throw PacketException.Malformed("CONNACK reserved flags are set");
        var code = WireFormat.ReadByte(ref reader);
        if (code > (byte)ConnectReturnCode.NotAuthorized)
            throw PacketException.Malformed($"CONNACK return code 0x{code:X2} is reserved");
        return new ConnAckPacket((flags & 0x01) != 0, (ConnectReturnCode)code);
    }

    public void WriteTo(IBufferWriter<byte> writer)
    {
        var span = writer.GetSpan(4);
        span[0] = (byte)PacketType.ConnAck << 4;
        span[1] = 2;
        span[2] = SessionPresent ? (byte)1 : (byte)0;
        span[3] = (byte)ReturnCode;
        writer.Advance(4);
    }
}

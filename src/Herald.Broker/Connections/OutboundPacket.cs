using System.Buffers;
using Herald.Broker.Messages;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Connections;

/// <summary>
/// A packet waiting in a connection's outbound queue. A struct holding a reference to the shared
/// <see cref="Message"/> and the per-delivery fields; it is encoded only when the writer loop
/// drains the queue into the socket's buffer.
/// </summary>
public readonly struct OutboundPacket
{
    private readonly object? _body;
    private readonly ushort _packetId;
    private readonly byte _flags;

    private OutboundPacket(PacketType type, ushort packetId, byte flags, object? body)
    {
        Type = type;
        _packetId = packetId;
        _flags = flags;
        _body = body;
    }

    public PacketType Type { get; }

    public static OutboundPacket ConnAck(bool sessionPresent, ConnectReturnCode code) =>
        new(PacketType.ConnAck, (ushort)code, sessionPresent ? (byte)1 : (byte)0, null);

    public static OutboundPacket Publish(Message message, QualityOfService qos, ushort packetId, bool dup, bool retain) =>
        new(PacketType.Publish, packetId, PublishPacket.Header(qos, dup, retain), message);

    public static OutboundPacket Ack(PacketType type, ushort packetId) => new(type, packetId, 0, null);

    public static OutboundPacket SubAck(ushort packetId, byte[] returnCodes) => new(PacketType.SubAck, packetId, 0, returnCodes);

    public static OutboundPacket PingResp { get; } = new(PacketType.PingResp, 0, 0, null);

    public void WriteTo(IBufferWriter<byte> writer)
    {
        switch (Type)
        {
            case PacketType.Publish:
                var qos = (QualityOfService)((_flags >> 1) & 0x03);
                ((Message)_body!).WritePublish(writer, qos, _packetId, dup: (_flags & 0x08) != 0, retain: (_flags & 0x01) != 0);
                break;
            case PacketType.ConnAck:
                new ConnAckPacket(_flags != 0, (ConnectReturnCode)_packetId).WriteTo(writer);
                break;
            case PacketType.SubAck:
                new SubAckPacket(_packetId, (byte[])_body!).WriteTo(writer);
                break;
            case PacketType.PingResp:
                PacketFrame.WriteEmpty(writer, PacketType.PingResp);
                break;
            default:
                AckPacket.Write(writer, Type, _packetId);
                break;
        }
    }
}

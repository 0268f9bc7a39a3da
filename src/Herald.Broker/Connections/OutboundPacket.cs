using System.Buffers;
using Herald.Broker.Messages;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Connections;

/// <summary>
/// A packet waiting in a connection's outbound queue. A struct holding a reference to the shared
/// <see cref="Message"/> and the per-delivery fields; it is encoded, in the connection's protocol
/// version, only when the writer loop drains the queue into the socket's buffer.
/// </summary>
public readonly struct OutboundPacket
{
    private readonly object? _body;
    private readonly int[]? _subscriptionIds;
    private readonly ushort _packetId;
    private readonly byte _flags;
    private readonly byte _reason;

    private OutboundPacket(PacketType type, ushort packetId, byte flags, byte reason, object? body, int[]? subscriptionIds = null)
    {
        Type = type;
        _packetId = packetId;
        _flags = flags;
        _reason = reason;
        _body = body;
        _subscriptionIds = subscriptionIds;
    }

    public PacketType Type { get; }

    /// <summary>The QoS of a PUBLISH.</summary>
    internal QualityOfService PublishQoS => (QualityOfService)((_flags >> 1) & 0x03);

    /// <summary>CONNACK with a 3.1.1 return code or an MQTT 5 reason code, as the connection speaks.</summary>
    public static OutboundPacket ConnAck(bool sessionPresent, byte code, Properties? properties = null) =>
        new(PacketType.ConnAck, 0, sessionPresent ? (byte)1 : (byte)0, code, properties);

    public static OutboundPacket Publish(QueuedMessage delivery, ushort packetId, bool dup) =>
        new(PacketType.Publish, packetId, PublishPacket.Header(delivery.QoS, dup, delivery.Retain), 0, delivery.Message, delivery.SubscriptionIds);

    public static OutboundPacket Ack(PacketType type, ushort packetId, ReasonCode reason = ReasonCode.Success, Properties? properties = null) =>
        new(type, packetId, 0, (byte)reason, properties);

    public static OutboundPacket SubAck(ushort packetId, byte[] codes) => new(PacketType.SubAck, packetId, 0, 0, codes);

    public static OutboundPacket UnsubAck(ushort packetId, byte[] codes) => new(PacketType.UnsubAck, packetId, 0, 0, codes);

    public static OutboundPacket Disconnect(ReasonCode reason, Properties? properties = null) => new(PacketType.Disconnect, 0, 0, (byte)reason, properties);

    public static OutboundPacket Auth(ReasonCode reason, Properties properties) => new(PacketType.Auth, 0, 0, (byte)reason, properties);

    public static OutboundPacket PingResp { get; } = new(PacketType.PingResp, 0, 0, 0, null);

    internal void WriteTo(IBufferWriter<byte> writer, ClientConnection connection)
    {
        var version = connection.Version;
        switch (Type)
        {
            case PacketType.Publish:
                WritePublish(writer, connection);
                break;
            case PacketType.ConnAck:
                new ConnAckPacket(_flags != 0, (ConnectReturnCode)_reason) { Reason = (ReasonCode)_reason, Properties = (Properties?)_body }.WriteTo(writer, version);
                break;
            case PacketType.SubAck:
                new SubAckPacket(_packetId, (byte[])_body!).WriteTo(writer, version);
                break;
            case PacketType.UnsubAck:
                new UnsubAckPacket(_packetId) { ReasonCodes = (byte[]?)_body }.WriteTo(writer, version);
                break;
            case PacketType.PingResp:
                PacketFrame.WriteEmpty(writer, PacketType.PingResp);
                break;
            case PacketType.Disconnect or PacketType.Auth:
                new ReasonPacket(Type, (ReasonCode)_reason) { Properties = (Properties?)_body }.WriteTo(writer, version);
                break;
            default:
                new AckPacket(Type, _packetId) { Reason = (ReasonCode)_reason, Properties = (Properties?)_body }.WriteTo(writer, version);
                break;
        }
    }

    private void WritePublish(IBufferWriter<byte> writer, ClientConnection connection)
    {
        var message = (Message)_body!;
        var qos = (QualityOfService)((_flags >> 1) & 0x03);
        var dup = (_flags & 0x08) != 0;
        var retain = (_flags & 0x01) != 0;
        if (connection.Version != ProtocolVersion.V500)
        {
            message.WritePublish(writer, connection.Version, qos, _packetId, dup, retain);
            return;
        }
        var alias = connection.OutboundTopicAlias(message, qos, _subscriptionIds, out var omitTopic);
        message.WritePublish(writer, ProtocolVersion.V500, qos, _packetId, dup, retain, _subscriptionIds, message.RemainingExpiry(connection.Broker.Time), alias, omitTopic);
    }
}

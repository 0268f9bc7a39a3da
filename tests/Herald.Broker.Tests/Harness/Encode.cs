using System.Buffers;
using System.Text;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Tests.Harness;

/// <summary>The bytes of packets a client sends, written with the protocol library's own writers.</summary>
internal static class Encode
{
    public static byte[] Connect(ConnectPacket packet) => Write(packet.WriteTo);

    /// <summary>A CONNECT with any protocol name and level, which <see cref="ConnectPacket"/> cannot write.</summary>
    public static byte[] Connect(string protocolName, byte level, string clientId, byte flags = 0x02)
    {
        var name = Encoding.UTF8.GetBytes(protocolName);
        var id = Encoding.UTF8.GetBytes(clientId);
        byte[] body =
        [
            0, (byte)name.Length, .. name,
            level,
            flags,
            0, 0, // keep alive
            0, (byte)id.Length, .. id,
        ];
        return [0x10, (byte)body.Length, .. body];
    }

    public static byte[] Publish(
        string topic,
        string payload,
        QualityOfService qos,
        ushort packetId,
        bool retain,
        bool dup,
        ProtocolVersion version = ProtocolVersion.V311,
        Properties? properties = null)
    {
        var packet = new PublishPacket
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)),
            QoS = qos,
            PacketId = packetId,
            Retain = retain,
            Dup = dup,
            Properties = properties,
        };
        return Publish(packet, version);
    }

    /// <summary>Any PUBLISH, in MQTT 5 with its properties: a topic alias with an empty topic, a binary payload.</summary>
    public static byte[] Publish(PublishPacket packet, ProtocolVersion version) => Write(writer => packet.WriteTo(writer, version));

    public static byte[] Subscribe(
        ushort packetId,
        IReadOnlyList<TopicSubscription> subscriptions,
        ProtocolVersion version = ProtocolVersion.V311,
        Properties? properties = null) =>
        Write(new SubscribePacket(packetId, subscriptions) { Properties = properties }.WriteTo, version);

    public static byte[] Unsubscribe(ushort packetId, IReadOnlyList<string> filters, ProtocolVersion version = ProtocolVersion.V311) =>
        Write(new UnsubscribePacket(packetId, filters).WriteTo, version);

    /// <summary>An MQTT 5 DISCONNECT or AUTH with its reason code and properties.</summary>
    public static byte[] Reason(ReasonPacket packet) => Write(writer => packet.WriteTo(writer, ProtocolVersion.V500));

    public static byte[] Ack(PacketType type, ushort packetId) => Write(writer => AckPacket.Write(writer, type, packetId));

    /// <summary>An MQTT 5 acknowledgement, with its reason code and properties.</summary>
    public static byte[] Ack(AckPacket packet) => Write(writer => packet.WriteTo(writer, ProtocolVersion.V500));

    /// <summary>A packet that is a fixed header only: PINGREQ, DISCONNECT.</summary>
    public static byte[] Empty(PacketType type) => Write(writer => PacketFrame.WriteEmpty(writer, type));

    private static byte[] Write(Action<IBufferWriter<byte>, ProtocolVersion> write, ProtocolVersion version) =>
        Write(writer => write(writer, version));

    private static byte[] Write(Action<IBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}

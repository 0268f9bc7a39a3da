using System.Buffers;
using System.Text;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Server.Tests.Fixtures;

/// <summary>Exact packet bytes for raw-socket tests, encoded by Herald.Protocol's writers.</summary>
public static class Packets
{
    /// <summary>CONNACK accepted, no session present: 20 02 00 00.</summary>
    public static readonly byte[] ConnAckAccepted = [0x20, 0x02, 0x00, 0x00];

    public static byte[] Connect(
        string clientId,
        ushort keepAliveSeconds = 0,
        bool cleanSession = true,
        ConnectWill? will = null,
        ProtocolVersion version = ProtocolVersion.V311) =>
        Encode(w => new ConnectPacket
        {
            ClientId = clientId,
            KeepAliveSeconds = keepAliveSeconds,
            CleanSession = cleanSession,
            Will = will,
            Version = version,
        }.WriteTo(w));

    public static byte[] Publish(string topic, string payload, QualityOfService qos = QualityOfService.AtMostOnce, ushort packetId = 0, bool dup = false, bool retain = false) =>
        Encode(w => new PublishPacket
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)),
            QoS = qos,
            PacketId = packetId,
            Dup = dup,
            Retain = retain,
        }.WriteTo(w));

    public static byte[] Subscribe(ushort packetId, string filter, QualityOfService qos) =>
        Encode(w => new SubscribePacket(packetId, [new TopicSubscription(filter, qos)]).WriteTo(w));

    public static byte[] Ack(PacketType type, ushort packetId) => Encode(w => AckPacket.Write(w, type, packetId));

    public static byte[] Disconnect() => Encode(w => PacketFrame.WriteEmpty(w, PacketType.Disconnect));

    public static byte[] PingReq() => Encode(w => PacketFrame.WriteEmpty(w, PacketType.PingReq));

    public static ConnectWill Will(string topic, string payload, QualityOfService qos = QualityOfService.AtMostOnce, bool retain = false) =>
        new(topic, Encoding.UTF8.GetBytes(payload), qos, retain);

    /// <summary>Decodes a whole PUBLISH packet as the server sent it.</summary>
    public static PublishPacket ReadPublish(byte[] packet)
    {
        var buffer = new ReadOnlySequence<byte>(packet);
        Assert.True(PacketFrame.TryRead(ref buffer, int.MaxValue, out var header, out var body));
        Assert.Equal(PacketType.Publish, PacketFrame.TypeOf(header));
        return PublishPacket.Read(header, body);
    }

    public static string PayloadOf(PublishPacket publish) => Encoding.UTF8.GetString(publish.Payload.ToArray());

    public static byte[] Concat(params byte[][] packets) => [.. packets.SelectMany(p => p)];

    private static byte[] Encode(Action<ArrayBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        write(writer);
        return writer.WrittenSpan.ToArray();
    }
}

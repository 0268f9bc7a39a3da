using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>
/// PUBLISH (section 3.3). A read packet's <see cref="TopicUtf8"/> and <see cref="Payload"/> are
/// slices of the receive buffer: valid until the reader advances past them, copied only by
/// whoever keeps the message.
/// </summary>
public readonly struct PublishPacket
{
    public string Topic { get; init; }
    public ReadOnlySequence<byte> TopicUtf8 { get; init; }
    public ReadOnlySequence<byte> Payload { get; init; }
    public QualityOfService QoS { get; init; }
    public ushort PacketId { get; init; }
    public bool Dup { get; init; }
    public bool Retain { get; init; }

    public static PublishPacket Read(byte header, in ReadOnlySequence<byte> body)
    {
        var qos = (header >> 1) & 0x03;
        if (qos == 3)
            throw PacketException.Malformed("PUBLISH QoS is 3"); // [MQTT-3.3.1-4]
        var dup = (header & 0x08) != 0;
        if (qos == 0 && dup)
            throw PacketException.Malformed("PUBLISH at QoS 0 has DUP set"); // [MQTT-3.3.1-2]

        var reader = new SequenceReader<byte>(body);
        var topicLength = WireFormat.ReadUInt16(ref reader);
        if (reader.Remaining < topicLength)
            throw PacketException.Malformed("topic name is longer than the packet");
        var topicUtf8 = reader.UnreadSequence.Slice(0, topicLength);
        var topic = topicUtf8.IsSingleSegment
            ? WireFormat.DecodeString(topicUtf8.FirstSpan)
            : WireFormat.DecodeString(topicUtf8.ToArray());
        reader.Advance(topicLength);
        if (!TopicRules.IsValidTopicName(topic))
            throw PacketException.Malformed($"'{topic}' is not a valid topic name"); // [MQTT-3.3.2-2]

        ushort packetId = 0;
        if (qos > 0)
        {
            packetId = WireFormat.ReadUInt16(ref reader);
            if (packetId == 0)
                throw PacketException.Malformed("PUBLISH packet identifier is 0"); // [MQTT-2.3.1-1]
        }

        return new PublishPacket
        {
            Topic = topic,
            TopicUtf8 = topicUtf8,
            Payload = reader.UnreadSequence,
            QoS = (QualityOfService)qos,
            PacketId = packetId,
            Dup = dup,
            Retain = (header & 0x01) != 0,
        };
    }

    public static byte Header(QualityOfService qos, bool dup, bool retain) =>
        (byte)(((byte)PacketType.Publish << 4) | (dup ? 0x08 : 0) | ((int)qos << 1) | (retain ? 0x01 : 0));

    public void WriteTo(IBufferWriter<byte> writer)
    {
        var remaining = WireFormat.StringSize(Topic) + (QoS > 0 ? 2 : 0) + (int)Payload.Length;
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, Header(QoS, Dup, Retain), remaining);
        i += WireFormat.WriteString(span[i..], Topic);
        if (QoS > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
            i += 2;
        }
        Payload.CopyTo(span[i..]);
        writer.Advance(i + (int)Payload.Length);
    }
}

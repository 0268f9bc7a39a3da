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

    /// <summary>MQTT 5 PUBLISH properties.</summary>
    public Properties? Properties { get; init; }

    public static PublishPacket Read(byte header, in ReadOnlySequence<byte> body) => Read(header, body, ProtocolVersion.V311);

    public static PublishPacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version) => Read(header, body, version, null);

    /// <param name="topics">The connection's recent topics: a repeated topic is taken from it, not decoded again.</param>
    public static PublishPacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version, TopicCache? topics)
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
        reader.Advance(topicLength);
        var v5 = version == ProtocolVersion.V500;
        if (topics is null || !topicUtf8.IsSingleSegment || !topics.TryGet(topicUtf8.FirstSpan, out var topic))
        {
            topic = topicUtf8.IsSingleSegment
                ? WireFormat.DecodeString(topicUtf8.FirstSpan)
                : WireFormat.DecodeString(topicUtf8.ToArray());
            // MQTT 5 allows an empty topic when a topic alias stands for it; the engine checks the alias.
            if (!TopicRules.IsValidTopicName(topic) && !(v5 && topic.Length == 0))
                throw PacketException.Malformed($"'{topic}' is not a valid topic name"); // [MQTT-3.3.2-2]
            if (topic.Length > 0)
                topics?.Add(topic);
        }

        ushort packetId = 0;
        if (qos > 0)
        {
            packetId = WireFormat.ReadUInt16(ref reader);
            if (packetId == 0)
                throw PacketException.Malformed("PUBLISH packet identifier is 0"); // [MQTT-2.3.1-1]
        }

        var properties = v5 ? Properties.Read(ref reader, (int)PacketType.Publish) : null;
        return new PublishPacket
        {
            Topic = topic,
            TopicUtf8 = topicUtf8,
            Payload = reader.UnreadSequence,
            QoS = (QualityOfService)qos,
            PacketId = packetId,
            Dup = dup,
            Retain = (header & 0x01) != 0,
            Properties = properties,
        };
    }

    public static byte Header(QualityOfService qos, bool dup, bool retain) =>
        (byte)(((byte)PacketType.Publish << 4) | (dup ? 0x08 : 0) | ((int)qos << 1) | (retain ? 0x01 : 0));

    public void WriteTo(IBufferWriter<byte> writer) => WriteTo(writer, ProtocolVersion.V311);

    public void WriteTo(IBufferWriter<byte> writer, ProtocolVersion version)
    {
        var v5 = version == ProtocolVersion.V500;
        var remaining = WireFormat.StringSize(Topic) + (QoS > 0 ? 2 : 0) + (v5 ? Properties.SizeOf(Properties) : 0) + (int)Payload.Length;
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, Header(QoS, Dup, Retain), remaining);
        i += WireFormat.WriteString(span[i..], Topic);
        if (QoS > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
            i += 2;
        }
        if (v5)
            i += Properties.Write(span[i..], Properties);
        Payload.CopyTo(span[i..]);
        writer.Advance(i + (int)Payload.Length);
    }
}

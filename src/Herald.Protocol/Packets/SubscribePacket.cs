using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>SUBSCRIBE (section 3.8).</summary>
public sealed record SubscribePacket(ushort PacketId, IReadOnlyList<TopicSubscription> Subscriptions)
{
    /// <summary>MQTT 5 properties: a subscription identifier and user properties.</summary>
    public Properties? Properties { get; init; }

    public static SubscribePacket Read(byte header, in ReadOnlySequence<byte> body) => Read(header, body, ProtocolVersion.V311);

    public static SubscribePacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version)
    {
        PacketFrame.ValidateFlags(header); // [MQTT-3.8.1-1]
        var v5 = version == ProtocolVersion.V500;
        var reader = new SequenceReader<byte>(body);
        var packetId = AckPacket.ReadPacketId(ref reader);
        var properties = v5 ? Properties.Read(ref reader, (int)PacketType.Subscribe) : null;
        var subscriptions = new List<TopicSubscription>();
        while (!reader.End)
        {
            var filter = WireFormat.ReadString(ref reader);
            if (!TopicRules.IsValidTopicFilter(filter))
                throw PacketException.Malformed($"'{filter}' is not a valid topic filter"); // [MQTT-4.7.1-2] [MQTT-4.7.1-3]
            subscriptions.Add(v5 ? ReadOptions5(ref reader, filter) : ReadOptions3(ref reader, filter));
        }
        if (subscriptions.Count == 0)
            throw PacketException.Malformed("SUBSCRIBE has no topic filter"); // [MQTT-3.8.3-3]
        return new SubscribePacket(packetId, subscriptions) { Properties = properties };
    }

    private static TopicSubscription ReadOptions3(ref SequenceReader<byte> reader, string filter)
    {
        var options = WireFormat.ReadByte(ref reader);
        if (options > 2)
            throw PacketException.Malformed($"requested QoS byte 0x{options:X2} is invalid"); // [MQTT-3.8.3-4]
        return new TopicSubscription(filter, (QualityOfService)options);
    }

    private static TopicSubscription ReadOptions5(ref SequenceReader<byte> reader, string filter)
    {
        var options = WireFormat.ReadByte(ref reader);
        if ((options & 0xC0) != 0)
            throw PacketException.Malformed("subscription options reserved bits are set"); // [MQTT-3.8.3-5]
        if ((options & 0x03) == 3)
            throw PacketException.Protocol("subscription QoS is 3");
        if (((options >> 4) & 0x03) == 3)
            throw PacketException.Protocol("retain handling is 3");
        var subscription = TopicSubscription.FromOptions(filter, options);
        if (subscription.NoLocal && TopicRules.IsShared(filter))
            throw PacketException.Protocol("No Local on a shared subscription"); // [MQTT-3.8.3-4]
        return subscription;
    }

    public void WriteTo(IBufferWriter<byte> writer) => WriteTo(writer, ProtocolVersion.V311);

    public void WriteTo(IBufferWriter<byte> writer, ProtocolVersion version)
    {
        var v5 = version == ProtocolVersion.V500;
        var remaining = 2 + (v5 ? Properties.SizeOf(Properties) : 0);
        foreach (var s in Subscriptions)
            remaining += WireFormat.StringSize(s.Filter) + 1;
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)PacketType.Subscribe << 4 | 0b0010, remaining);
        BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
        i += 2;
        if (v5)
            i += Properties.Write(span[i..], Properties);
        foreach (var s in Subscriptions)
        {
            i += WireFormat.WriteString(span[i..], s.Filter);
            span[i++] = v5 ? s.OptionsByte : (byte)s.QoS;
        }
        writer.Advance(i);
    }
}

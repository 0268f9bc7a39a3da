using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>SUBSCRIBE (section 3.8).</summary>
public sealed record SubscribePacket(ushort PacketId, IReadOnlyList<TopicSubscription> Subscriptions)
{
    public static SubscribePacket Read(byte header, in ReadOnlySequence<byte> body)
    {
        PacketFrame.ValidateFlags(header); // [MQTT-3.8.1-1]
        var reader = new SequenceReader<byte>(body);
        var packetId = WireFormat.ReadUInt16(ref reader);
        if (packetId == 0)
            throw PacketException.Malformed("SUBSCRIBE packet identifier is 0"); // [MQTT-2.3.1-1]
        var subscriptions = new List<TopicSubscription>();
        while (!reader.End)
        {
            var filter = WireFormat.ReadString(ref reader);
            if (!TopicRules.IsValidTopicFilter(filter))
                throw PacketException.Malformed($"'{filter}' is not a valid topic filter"); // [MQTT-4.7.1-2] [MQTT-4.7.1-3]
            var options = WireFormat.ReadByte(ref reader);
            if (options > 2)
                throw PacketException.Malformed($"requested QoS byte 0x{options:X2} is invalid"); // [MQTT-3.8.3-4]
            subscriptions.Add(new TopicSubscription(filter, (QualityOfService)options));
        }
        if (subscriptions.Count == 0)
            throw PacketException.Malformed("SUBSCRIBE has no topic filter"); // [MQTT-3.8.3-3]
        return new SubscribePacket(packetId, subscriptions);
    }

    public void WriteTo(IBufferWriter<byte> writer)
    {
        var remaining = 2;
        foreach (var s in Subscriptions)
            remaining += WireFormat.StringSize(s.Filter) + 1;
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)PacketType.Subscribe << 4 | 0b0010, remaining);
        BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
        i += 2;
        foreach (var s in Subscriptions)
        {
            i += WireFormat.WriteString(span[i..], s.Filter);
            span[i++] = (byte)s.QoS;
        }
        writer.Advance(i);
    }
}

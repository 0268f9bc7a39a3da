using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>UNSUBSCRIBE (section 3.10).</summary>
public sealed record UnsubscribePacket(ushort PacketId, IReadOnlyList<string> Filters)
{
    public Properties? Properties { get; init; }

    public static UnsubscribePacket Read(byte header, in ReadOnlySequence<byte> body) => Read(header, body, ProtocolVersion.V311);

    public static UnsubscribePacket Read(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version)
    {
        PacketFrame.ValidateFlags(header); // [MQTT-3.10.1-1]
        var reader = new SequenceReader<byte>(body);
        var packetId = WireFormat.ReadUInt16(ref reader);
        if (packetId == 0)
            throw PacketException.Malformed("UNSUBSCRIBE packet identifier is 0"); // [MQTT-2.3.1-1]
        var properties = version == ProtocolVersion.V500 ? Properties.Read(ref reader, (int)PacketType.Unsubscribe) : null;
        var filters = new List<string>();
        while (!reader.End)
        {
            var filter = WireFormat.ReadString(ref reader);
            if (!TopicRules.IsValidTopicFilter(filter))
                throw PacketException.Malformed($"'{filter}' is not a valid topic filter");
            filters.Add(filter);
        }
        if (filters.Count == 0)
            throw PacketException.Malformed("UNSUBSCRIBE has no topic filter"); // [MQTT-3.10.3-2]
        return new UnsubscribePacket(packetId, filters) { Properties = properties };
    }

    public void WriteTo(IBufferWriter<byte> writer) => WriteTo(writer, ProtocolVersion.V311);

    public void WriteTo(IBufferWriter<byte> writer, ProtocolVersion version)
    {
        var v5 = version == ProtocolVersion.V500;
        var remaining = 2 + (v5 ? Properties.SizeOf(Properties) : 0);
        foreach (var filter in Filters)
            remaining += WireFormat.StringSize(filter);
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)PacketType.Unsubscribe << 4 | 0b0010, remaining);
        BinaryPrimitives.WriteUInt16BigEndian(span[i..], PacketId);
        i += 2;
        if (v5)
            i += Properties.Write(span[i..], Properties);
        foreach (var filter in Filters)
            i += WireFormat.WriteString(span[i..], filter);
        writer.Advance(i);
    }
}

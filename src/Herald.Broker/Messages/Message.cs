using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Messages;

/// <summary>
/// One application message, shared by every session it is routed to. The topic and payload are
/// kept already encoded as they appear in a PUBLISH, so fan-out copies bytes and writes a few
/// header bytes per subscriber (QoS, packet id, DUP, RETAIN) instead of re-encoding.
/// Immutable: any number of writer loops read it at once.
/// </summary>
public sealed class Message
{
    // [topic length: 2][topic UTF-8][payload]
    private readonly byte[] _encoded;
    private readonly int _topicEnd;

    private Message(string topic, byte[] encoded, int topicEnd, QualityOfService qos, bool retain)
    {
        Topic = topic;
        _encoded = encoded;
        _topicEnd = topicEnd;
        QoS = qos;
        Retain = retain;
    }

    public string Topic { get; }

    /// <summary>The QoS it was published with; a delivery uses the lower of this and the subscription's.</summary>
    public QualityOfService QoS { get; }

    /// <summary>The RETAIN flag it was published with.</summary>
    public bool Retain { get; }

    public ReadOnlyMemory<byte> Payload => _encoded.AsMemory(_topicEnd);

    public static Message FromPublish(in PublishPacket packet)
    {
        var topicLength = (int)packet.TopicUtf8.Length;
        var encoded = new byte[2 + topicLength + packet.Payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(encoded, (ushort)topicLength);
        packet.TopicUtf8.CopyTo(encoded.AsSpan(2));
        packet.Payload.CopyTo(encoded.AsSpan(2 + topicLength));
        return new Message(packet.Topic, encoded, 2 + topicLength, packet.QoS, packet.Retain);
    }

    public static Message Create(string topic, ReadOnlySpan<byte> payload, QualityOfService qos, bool retain)
    {
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var encoded = new byte[2 + topicLength + payload.Length];
        WireFormat.WriteString(encoded, topic);
        payload.CopyTo(encoded.AsSpan(2 + topicLength));
        return new Message(topic, encoded, 2 + topicLength, qos, retain);
    }

    /// <summary>Writes this message as one PUBLISH packet with the given per-delivery fields.</summary>
    public void WritePublish(IBufferWriter<byte> writer, QualityOfService qos, ushort packetId, bool dup, bool retain)
    {
        var remaining = _encoded.Length + (qos > 0 ? 2 : 0);
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, PublishPacket.Header(qos, dup, retain), remaining);
        _encoded.AsSpan(0, _topicEnd).CopyTo(span[i..]);
        i += _topicEnd;
        if (qos > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[i..], packetId);
            i += 2;
        }
        _encoded.AsSpan(_topicEnd).CopyTo(span[i..]);
        writer.Advance(i + _encoded.Length - _topicEnd);
    }
}

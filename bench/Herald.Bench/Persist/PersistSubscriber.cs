using System.Buffers;
using System.Diagnostics;
using Herald.Bench.Client;
using Herald.Bench.Measurement;
using Herald.Bench.PubSub;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Bench.Persist;

/// <summary>
/// One persistent session being drained: on its connection's read loop it acknowledges every
/// message (PUBACK; PUBREC, then PUBCOMP on PUBREL), so the broker can forget it and send the
/// next, and records the sequence numbers seen, from which duplicates are counted as they come and
/// losses at the end. All its state is owned by that read loop; other threads read the counters.
/// </summary>
public sealed class PersistSubscriber(string clientId, string topic, long count) : IPacketHandler
{
    private readonly SequenceSet _seen = new();
    private readonly TopicCache _topics = new();
    private long _received;
    private long _unique;
    private long _duplicates;
    private long _unknown;
    private long _lastReceivedAt;

    public string ClientId { get; } = clientId;

    /// <summary>The connection, once its CONNACK arrived.</summary>
    public BenchClient? Client { get; set; }

    /// <summary>Stopwatch timestamp of the CONNACK; the drain is timed from the first of them.</summary>
    public long ConnAckAt { get; set; }

    /// <summary>PUBLISH packets received, duplicates included.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Distinct sequence numbers below the count: what the drain waits for.</summary>
    public long Unique => Volatile.Read(ref _unique);

    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Messages on another topic, without a sequence number, or numbered beyond the count: left over from another run.</summary>
    public long Unknown => Volatile.Read(ref _unknown);

    /// <summary>Stopwatch timestamp of the last message, 0 before the first.</summary>
    public long LastReceivedAt => Volatile.Read(ref _lastReceivedAt);

    /// <summary>Of 0 .. count-1, the numbers never received; read after the drain.</summary>
    public long Missing() => count - _seen.CountBelow(count);

    public void OnPacket(BenchClient client, byte header, in ReadOnlySequence<byte> body)
    {
        var type = PacketFrame.TypeOf(header);
        if (type == PacketType.PubRel)
        {
            client.SendAck(PacketType.PubComp, AckPacket.ReadPacketIdOnly(body));
            return;
        }
        if (type != PacketType.Publish)
            return;

        var publish = PublishPacket.Read(header, body, ProtocolVersion.V311, _topics);
        if (publish.QoS == QualityOfService.AtLeastOnce)
            client.SendAck(PacketType.PubAck, publish.PacketId);
        else if (publish.QoS == QualityOfService.ExactlyOnce)
            client.SendAck(PacketType.PubRec, publish.PacketId);

        Volatile.Write(ref _received, _received + 1);
        Volatile.Write(ref _lastReceivedAt, Stopwatch.GetTimestamp());
        if (publish.Topic != topic || !Payload.TryRead(publish.Payload, out var sequence, out _) || sequence < 0 || sequence >= count)
            Volatile.Write(ref _unknown, _unknown + 1);
        else if (_seen.Add(sequence))
            Volatile.Write(ref _unique, _unique + 1);
        else
            Volatile.Write(ref _duplicates, _duplicates + 1);
    }
}

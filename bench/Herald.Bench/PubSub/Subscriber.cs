using System.Buffers;
using System.Diagnostics;
using Herald.Bench.Client;
using Herald.Bench.Measurement;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Bench.PubSub;

/// <summary>
/// One subscribing connection. On its read loop it acknowledges (PUBACK; PUBREC, then PUBCOMP on
/// PUBREL), records the latency from the timestamp in the payload, and keeps per publisher the
/// set of sequence numbers seen, from which duplicates are counted as they come and losses at
/// the end. All its state is owned by that read loop; other threads only read the counters.
/// </summary>
public sealed class Subscriber : IPacketHandler
{
    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    private readonly Dictionary<string, int> _publisherByTopic = new(StringComparer.Ordinal);
    private readonly Publisher[] _publishers;
    private readonly SequenceSet[] _seen;
    private readonly TopicCache _topics = new();
    private long _received;
    private long _duplicates;
    private long _unknown;

    public Subscriber(string filter, BenchClient client, IReadOnlyList<Publisher> publishers)
    {
        Filter = filter;
        Client = client;
        _publishers = [.. publishers];
        _seen = new SequenceSet[_publishers.Length];
        for (var i = 0; i < _publishers.Length; i++)
        {
            _publisherByTopic[_publishers[i].Topic] = i;
            _seen[i] = new SequenceSet();
        }
        client.Handler = this;
    }

    public string Filter { get; }
    public BenchClient Client { get; }
    public LatencyHistogram Latency { get; } = new();

    /// <summary>PUBLISH packets received, duplicates included.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Sequence numbers received more than once from the same publisher.</summary>
    public long Duplicates => Volatile.Read(ref _duplicates);

    /// <summary>Messages on a topic of no bench publisher, or too short to carry a sequence number.</summary>
    public long Unknown => Volatile.Read(ref _unknown);

    /// <summary>Messages each publisher sent that this subscriber has not received; read after the drain.</summary>
    public long Missing()
    {
        long missing = 0;
        for (var i = 0; i < _publishers.Length; i++)
        {
            var sent = _publishers[i].Sent;
            missing += sent - _seen[i].CountBelow(sent);
        }
        return missing;
    }

    public long Expected()
    {
        long expected = 0;
        foreach (var publisher in _publishers)
            expected += publisher.Sent;
        return expected;
    }

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

        var now = Stopwatch.GetTimestamp();
        var publish = PublishPacket.Read(header, body, ProtocolVersion.V311, _topics);
        if (publish.QoS == QualityOfService.AtLeastOnce)
            client.SendAck(PacketType.PubAck, publish.PacketId);
        else if (publish.QoS == QualityOfService.ExactlyOnce)
            client.SendAck(PacketType.PubRec, publish.PacketId);

        Volatile.Write(ref _received, _received + 1);
        if (!_publisherByTopic.TryGetValue(publish.Topic, out var index) || !Payload.TryRead(publish.Payload, out var sequence, out var timestamp))
        {
            Volatile.Write(ref _unknown, _unknown + 1);
            return;
        }
        Latency.Record((long)((now - timestamp) * NanosecondsPerTick));
        if (_seen[index].Add(sequence))
            _publishers[index].OnDelivered(sequence);
        else
            Volatile.Write(ref _duplicates, _duplicates + 1);
    }
}

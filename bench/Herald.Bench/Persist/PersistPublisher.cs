using System.Buffers;
using System.Diagnostics;
using Herald.Bench.Client;
using Herald.Bench.Measurement;
using Herald.Bench.PubSub;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Bench.Persist;

/// <summary>
/// One publishing connection paced by acknowledgements: at most <c>outstanding</c> messages sent
/// and not yet acknowledged (PUBACK, or PUBCOMP at QoS 2). The subscribers are offline, so the
/// acknowledgement is the only progress there is, and against a durable store it means the
/// message is on disk for every session it went to. Publisher <c>i</c> of <c>n</c> sends the
/// sequence numbers i, i+n, i+2n, ... below the count, so all share one topic and the subscriber
/// checks 0 .. count-1 whatever the number of publishers.
/// </summary>
public sealed class PersistPublisher : IPacketHandler
{
    private const long MaxBufferedBytes = 4 << 20;

    private readonly PersistOptions _options;
    private readonly byte[] _payload;
    private readonly long _first;

    // Packet ids: 0 free, 1 awaiting PUBACK or PUBREC, 2 awaiting PUBCOMP. The publisher loop
    // takes a free id and stamps _sentAt; the read loop frees it and reads _sentAt.
    private readonly byte[] _idState = new byte[65536];
    private readonly long[] _sentAt = new long[65536];
    private ushort _lastId;
    private int _inflight;
    private long _acked;
    private long _lastAckAt;

    private int _waiting;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PersistPublisher(int index, BenchClient client, PersistOptions options)
    {
        Client = client;
        _options = options;
        _first = index;
        _payload = new byte[options.PayloadSize];
        _payload.AsSpan(Payload.HeaderSize).Fill((byte)'x');
        client.Handler = this;
    }

    public BenchClient Client { get; }

    /// <summary>Publish to final acknowledgement; written by the read loop only.</summary>
    public LatencyHistogram AckLatency { get; } = new();

    /// <summary>Messages acknowledged so far.</summary>
    public long Acked => Volatile.Read(ref _acked);

    /// <summary>Sends this publisher's share of the messages and returns once every one is acknowledged.</summary>
    public async Task RunAsync(CancellationToken cancel)
    {
        _lastAckAt = Stopwatch.GetTimestamp();
        var stride = _options.Publishers;
        var sequence = _first;
        while (sequence < _options.Count)
        {
            cancel.ThrowIfCancellationRequested();
            ThrowIfClosed();
            if (Volatile.Read(ref _inflight) >= _options.Outstanding)
            {
                await WaitForInflightBelowAsync(_options.Outstanding).ConfigureAwait(false);
                continue;
            }
            if (Client.PendingBytes > MaxBufferedBytes)
            {
                await Task.Delay(1, cancel).ConfigureAwait(false);
                continue;
            }
            Publish(sequence);
            sequence += stride;
        }
        while (Volatile.Read(ref _inflight) > 0)
        {
            cancel.ThrowIfCancellationRequested();
            await WaitForInflightBelowAsync(1).ConfigureAwait(false);
        }
    }

    /// <summary>Wakes the loop if it waits, so it notices a closed connection or a broker that stopped acknowledging.</summary>
    public void Nudge()
    {
        if (Interlocked.Exchange(ref _waiting, 0) == 1)
            Volatile.Read(ref _progress).TrySetResult();
    }

    public void OnPacket(BenchClient client, byte header, in ReadOnlySequence<byte> body)
    {
        var id = AckPacket.ReadPacketIdOnly(body);
        switch (PacketFrame.TypeOf(header))
        {
            case PacketType.PubAck when _idState[id] == 1:
            case PacketType.PubComp when _idState[id] == 2:
                AckLatency.Record((long)Stopwatch.GetElapsedTime(_sentAt[id]).TotalNanoseconds);
                Volatile.Write(ref _idState[id], 0);
                Volatile.Write(ref _lastAckAt, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref _acked);
                Interlocked.Decrement(ref _inflight);
                Nudge();
                break;
            case PacketType.PubRec when _idState[id] == 1:
                _idState[id] = 2;
                client.SendAck(PacketType.PubRel, id);
                break;
            case PacketType.PubRec:
                // [MQTT-4.3.3] a repeated PUBREC is answered with PUBREL again.
                client.SendAck(PacketType.PubRel, id);
                break;
            default:
                break; // an acknowledgement for an id not in flight: nothing to do
        }
    }

    private async Task WaitForInflightBelowAsync(int limit)
    {
        var progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _progress, progress);
        Volatile.Write(ref _waiting, 1);
        // Re-check after announcing the wait, so an acknowledgement between the check and here is not missed.
        if (Volatile.Read(ref _inflight) < limit)
        {
            Nudge();
            return;
        }
        await progress.Task.ConfigureAwait(false);
        ThrowIfClosed();
        // A lost acknowledgement would hold the loop for ever: give up once the broker has been silent too long.
        if (Stopwatch.GetElapsedTime(Volatile.Read(ref _lastAckAt)).TotalSeconds > _options.IdleSeconds)
            throw new BenchException($"no acknowledgement for {_options.IdleSeconds} s with {Volatile.Read(ref _inflight)} messages in flight");
    }

    private void ThrowIfClosed()
    {
        if (Client.IsClosed)
            throw new BenchException($"publisher connection lost: {Client.CloseReason ?? "closed by the broker"}");
    }

    private void Publish(long sequence)
    {
        ushort id;
        do
            id = ++_lastId == 0 ? ++_lastId : _lastId;
        while (Volatile.Read(ref _idState[id]) != 0);
        _idState[id] = 1;
        _sentAt[id] = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _inflight);
        Payload.Stamp(_payload, sequence, _sentAt[id]);
        Client.Send(new PublishPacket
        {
            Topic = _options.Topic,
            Payload = new ReadOnlySequence<byte>(_payload),
            QoS = _options.QoS,
            PacketId = id,
        });
    }
}

using System.Buffers;
using System.Diagnostics;
using Herald.Bench.Client;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Bench.PubSub;

/// <summary>
/// One publishing connection. Closed loop (the default): at most <c>outstanding</c> messages not
/// yet received by every subscriber of its topic, counted end to end per sequence number in a
/// ring, so the rate it reaches is one the broker sustains rather than one it queues. Fixed rate
/// (<c>--rate</c>): publishes on schedule whatever the subscribers do. At QoS 1/2 it also keeps
/// the MQTT flow (PUBACK, PUBREC → PUBREL → PUBCOMP) and at most 65,535 packet ids in flight.
/// </summary>
public sealed class Publisher : IPacketHandler
{
    private const long MaxBufferedBytes = 4 << 20;

    // A message the broker lost never completes; after this long the closed loop stops waiting
    // for it (it is still counted as lost at the end) so one loss cannot stall the run.
    private static readonly long StallTicks = Stopwatch.Frequency;

    private readonly PubSubOptions _options;
    private readonly int _receivers;
    private readonly byte[] _payload;

    // Closed loop. The publisher loop owns _sent and _oldest (others read them); a slot of
    // _remaining counts the subscribers that have not yet received that sequence number, and is
    // decremented by their read loops.
    private readonly int[] _remaining;
    private readonly int _mask;
    private long _sent;
    private long _oldest;
    private long _oldestSince;
    private int _waiting;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Packet ids: 0 free, 1 awaiting PUBACK or PUBREC, 2 awaiting PUBCOMP. The publisher loop
    // takes a free id; the read loop frees it.
    private readonly byte[] _idState = new byte[65536];
    private ushort _lastId;
    private int _inflight;

    public Publisher(int index, string topic, BenchClient client, PubSubOptions options, int receivers)
    {
        Index = index;
        Topic = topic;
        Client = client;
        _options = options;
        _receivers = receivers;
        _payload = new byte[options.PayloadSize];
        _payload.AsSpan(Payload.HeaderSize).Fill((byte)'x');
        var ring = 1;
        while (ring < options.Outstanding * 2)
            ring <<= 1;
        _remaining = new int[ring];
        _mask = ring - 1;
        client.Handler = this;
    }

    public int Index { get; }
    public string Topic { get; }
    public BenchClient Client { get; }

    /// <summary>Messages handed to the client so far; sequence numbers 0 .. Sent-1 exist.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Times the closed loop gave up waiting for a message (see <see cref="StallTicks"/>).</summary>
    public long Stalls { get; private set; }

    public async Task RunAsync(long startTimestamp, CancellationToken stop)
    {
        var perSecond = _options.Rate / _options.Publishers;
        while (!stop.IsCancellationRequested && !Client.IsClosed)
        {
            if (perSecond is { } rate)
            {
                var due = (long)(rate * Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds) + 1;
                if (_sent >= due)
                {
                    await Task.Delay(1, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
            }
            else if (!HasRoom())
            {
                await WaitForProgressAsync().ConfigureAwait(false);
                continue;
            }

            if (Client.PendingBytes > MaxBufferedBytes || Volatile.Read(ref _inflight) >= 65_000)
            {
                await Task.Delay(1, CancellationToken.None).ConfigureAwait(false);
                continue;
            }
            PublishNext();
        }
    }

    /// <summary>Wakes the loop if it waits for progress: the stall timeout and stopping need it.</summary>
    public void Nudge()
    {
        if (Interlocked.Exchange(ref _waiting, 0) == 1)
            Volatile.Read(ref _progress).TrySetResult();
    }

    /// <summary>A subscriber received <paramref name="sequence"/> for the first time.</summary>
    public void OnDelivered(long sequence)
    {
        if (_options.Rate is not null)
            return;
        if (sequence < Volatile.Read(ref _oldest) || sequence >= Volatile.Read(ref _sent))
            return;
        if (Interlocked.Decrement(ref _remaining[sequence & _mask]) == 0)
            Nudge();
    }

    public void OnPacket(BenchClient client, byte header, in ReadOnlySequence<byte> body)
    {
        var type = PacketFrame.TypeOf(header);
        var id = AckPacket.ReadPacketIdOnly(body);
        switch (type)
        {
            case PacketType.PubAck when _idState[id] == 1:
            case PacketType.PubComp when _idState[id] == 2:
                Volatile.Write(ref _idState[id], 0);
                Interlocked.Decrement(ref _inflight);
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

    private bool HasRoom()
    {
        while (_oldest < _sent && Volatile.Read(ref _remaining[_oldest & _mask]) <= 0)
        {
            Volatile.Write(ref _oldest, _oldest + 1);
            _oldestSince = Stopwatch.GetTimestamp();
        }
        if (_sent - _oldest < _options.Outstanding)
            return true;
        if (Stopwatch.GetTimestamp() - _oldestSince > StallTicks)
        {
            Stalls++;
            Volatile.Write(ref _oldest, _oldest + 1);
            _oldestSince = Stopwatch.GetTimestamp();
            return true;
        }
        return false;
    }

    private async Task WaitForProgressAsync()
    {
        var progress = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _progress, progress);
        Volatile.Write(ref _waiting, 1);
        // Re-check after announcing the wait, so a delivery between the check and here is not missed.
        if (HasRoom())
        {
            Nudge();
            return;
        }
        await progress.Task.ConfigureAwait(false);
    }

    private void PublishNext()
    {
        var sequence = _sent;
        ushort id = 0;
        if (_options.QoS > QualityOfService.AtMostOnce)
        {
            do
                id = ++_lastId == 0 ? ++_lastId : _lastId;
            while (Volatile.Read(ref _idState[id]) != 0);
            _idState[id] = 1;
            Interlocked.Increment(ref _inflight);
        }
        if (_options.Rate is null)
        {
            if (_sent == _oldest)
                _oldestSince = Stopwatch.GetTimestamp();
            Volatile.Write(ref _remaining[sequence & _mask], _receivers);
        }
        Volatile.Write(ref _sent, sequence + 1);
        Payload.Stamp(_payload, sequence, Stopwatch.GetTimestamp());
        Client.Send(new PublishPacket
        {
            Topic = Topic,
            Payload = new ReadOnlySequence<byte>(_payload),
            QoS = _options.QoS,
            PacketId = id,
        });
    }
}

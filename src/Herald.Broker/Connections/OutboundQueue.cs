using System.Threading.Tasks.Sources;

namespace Herald.Broker.Connections;

/// <summary>
/// The packets waiting to be written to one connection: any thread enqueues, the writer loop alone
/// dequeues and waits. It replaces an unbounded channel, which holds about 1.6 KB per connection
/// from the start (a 32-slot segment, reader, writer and wait objects); this one holds no array
/// while idle, grows by doubling under a burst and gives a large array back once drained, and
/// its wait is the queue itself, reset for every wait.
/// </summary>
internal sealed class OutboundQueue : IValueTaskSource<bool>
{
    private const int InitialCapacity = 4; // a power of two, as every capacity after it

    /// <summary>The largest array kept once the queue is empty; a burst's larger one goes to the GC.</summary>
    private const int RetainedCapacity = 64;

    private readonly Lock _lock = new();
    private ManualResetValueTaskSourceCore<bool> _signal = new() { RunContinuationsAsynchronously = true };
    private OutboundPacket[]? _items;
    private int _head;
    private int _count;
    private bool _completed;
    private bool _waiting;

    /// <summary>How many packets are queued; read without the lock, so a hint for bounding.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a packet; false once the queue was completed.</summary>
    public bool TryEnqueue(in OutboundPacket packet)
    {
        bool wake;
        lock (_lock)
        {
            if (_completed)
                return false;
            if (_items is null || _count == _items.Length)
                Grow();
            _items![(_head + _count) & (_items.Length - 1)] = packet;
            Volatile.Write(ref _count, _count + 1);
            wake = _waiting;
            _waiting = false;
        }
        if (wake)
            _signal.SetResult(true);
        return true;
    }

    /// <summary>Takes the oldest packet, if any. Writer loop only.</summary>
    public bool TryDequeue(out OutboundPacket packet)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                packet = default;
                return false;
            }
            packet = _items![_head];
            _items[_head] = default; // lets the message it refers to go
            _head = (_head + 1) & (_items.Length - 1);
            Volatile.Write(ref _count, _count - 1);
            if (_count == 0)
            {
                _head = 0;
                if (_items.Length > RetainedCapacity)
                    _items = null;
            }
            return true;
        }
    }

    /// <summary>
    /// Completes when a packet is queued (true) or the queue is completed and empty (false).
    /// Writer loop only, one wait at a time.
    /// </summary>
    public ValueTask<bool> WaitToDequeueAsync()
    {
        lock (_lock)
        {
            if (_count > 0)
                return new ValueTask<bool>(true);
            if (_completed)
                return new ValueTask<bool>(false);
            _signal.Reset();
            _waiting = true;
            return new ValueTask<bool>(this, _signal.Version);
        }
    }

    /// <summary>Refuses further packets; those queued are still dequeued.</summary>
    public void Complete()
    {
        bool wake;
        lock (_lock)
        {
            _completed = true;
            wake = _waiting;
            _waiting = false;
        }
        if (wake)
            _signal.SetResult(false);
    }

    private void Grow()
    {
        var grown = new OutboundPacket[_items is null ? InitialCapacity : _items.Length * 2];
        for (var i = 0; i < _count; i++)
            grown[i] = _items![(_head + i) & (_items.Length - 1)];
        _items = grown;
        _head = 0;
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _signal.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _signal.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _signal.OnCompleted(continuation, state, token, flags);
}

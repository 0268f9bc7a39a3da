using System.Buffers;
using System.Numerics;

namespace Herald.Broker.Connections;

/// <summary>
/// The packets waiting to be written to one connection: any thread enqueues, the writer alone
/// dequeues and waits. It replaces an unbounded channel, which holds about 1.6 KB per connection
/// from the start (a 32-slot segment, reader, writer and wait objects); this one holds no array
/// while idle: it rents one from the shared pool for a burst, doubling as needed, and gives it
/// back once drained. The writer arms its <see cref="IOutboundListener"/> when it finds the queue
/// empty, and is told once when that changes: a writer loop's awaitable <see cref="OutboundSignal"/>,
/// or a transport's callback.
///
/// It locks itself rather than a lock object of its own: it is never handed out of its
/// connection, and that saves 40 bytes on every idle connection.
/// </summary>
internal sealed class OutboundQueue(IOutboundListener listener)
{
    private const int InitialCapacity = 16; // the pool's smallest array

    private OutboundPacket[]? _items;
    private int _head;
    private int _count;
    private bool _completed;
    private bool _waiting;

    /// <summary>Told when the armed queue gets a packet or completes.</summary>
    public IOutboundListener Listener => listener;

    /// <summary>How many packets are queued; read without the lock, so a hint for bounding.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Adds a packet; false once the queue was completed.</summary>
    public bool TryEnqueue(in OutboundPacket packet)
    {
        bool wake;
        lock (this)
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
            listener.OnOutboundReady();
        return true;
    }

    /// <summary>Takes the oldest packet, if any. Writer loop only.</summary>
    public bool TryDequeue(out OutboundPacket packet)
    {
        lock (this)
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
                ArrayPool<OutboundPacket>.Shared.Return(_items); // every slot was cleared as it was taken
                _items = null;
            }
            return true;
        }
    }

    /// <summary>
    /// Arms the listener for the next packet or the completion, unless there is something to do
    /// already: packets to write, or the queue completed and drained. Writer only.
    /// </summary>
    public OutboundState Arm()
    {
        lock (this)
        {
            if (_count > 0)
                return OutboundState.Ready;
            if (_completed)
                return OutboundState.Completed;
            _waiting = true;
            return OutboundState.Armed;
        }
    }

    /// <summary>Refuses further packets; those queued are still dequeued.</summary>
    public void Complete()
    {
        bool wake;
        lock (this)
        {
            _completed = true;
            wake = _waiting;
            _waiting = false;
        }
        if (wake)
            listener.OnOutboundReady();
    }

    private void Grow()
    {
        // The pool's arrays are powers of two long, as the index masks need; so is one it makes beyond its largest.
        var grown = ArrayPool<OutboundPacket>.Shared.Rent(_items is null ? InitialCapacity : (int)BitOperations.RoundUpToPowerOf2((uint)_items.Length * 2));
        if (_items is not null)
        {
            for (var i = 0; i < _count; i++)
                grown[i] = _items[(_head + i) & (_items.Length - 1)];
            ArrayPool<OutboundPacket>.Shared.Return(_items, clearArray: true);
        }
        _items = grown;
        _head = 0;
    }
}

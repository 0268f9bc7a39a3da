namespace Herald.Broker.Sessions;

/// <summary>
/// A session's QoS 1/2 messages waiting for room in the in-flight window or for their client,
/// oldest first, counted in messages and in bytes so both bounds can be held. Not thread-safe:
/// the owning <see cref="Session"/> serialises access.
/// </summary>
internal sealed class DeliveryQueue
{
    private static readonly Queue<QueuedMessage> Empty = new(); // only ever enumerated

    private Queue<QueuedMessage>? _items; // made at the first message: most idle sessions never get one

    public int Count => _items?.Count ?? 0;

    /// <summary>The sum of <see cref="Messages.Message.Size"/> over the queued messages.</summary>
    public long Bytes { get; private set; }

    public void Enqueue(in QueuedMessage delivery)
    {
        (_items ??= new Queue<QueuedMessage>()).Enqueue(delivery);
        Bytes += delivery.Message.Size;
    }

    public bool TryDequeue(out QueuedMessage delivery)
    {
        if (_items is null || !_items.TryDequeue(out delivery))
        {
            delivery = default;
            return false;
        }
        Bytes -= delivery.Message.Size;
        return true;
    }

    /// <summary>Removes the messages <paramref name="remove"/> picks, keeping the order of the rest; returns them.</summary>
    public List<QueuedMessage> RemoveWhere(Func<QueuedMessage, bool> remove)
    {
        var removed = new List<QueuedMessage>();
        for (var n = Count; n > 0; n--)
        {
            var delivery = _items!.Dequeue();
            if (remove(delivery))
            {
                Bytes -= delivery.Message.Size;
                removed.Add(delivery);
            }
            else
            {
                _items.Enqueue(delivery);
            }
        }
        return removed;
    }

    public void Clear()
    {
        _items?.Clear();
        Bytes = 0;
    }

    public Queue<QueuedMessage>.Enumerator GetEnumerator() => (_items ?? Empty).GetEnumerator();
}

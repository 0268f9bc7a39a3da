namespace Herald.Broker.Statistics;

/// <summary>
/// The Space-Saving sketch (Metwally, Agrawal and El Abbadi, "Efficient Computation of Frequent
/// and Top-k Elements in Data Streams", 2005): per-topic message and byte counts in at most
/// <see cref="Capacity"/> counters, however many distinct topics arrive. Not thread-safe.
///
/// A topic with a counter adds to it. A new topic takes a free counter while there is one; when
/// all are in use it takes over the counter with the smallest count, keeping that count (and its
/// bytes) as its <see cref="TopicCount.Error"/>, then adds itself. Hence, with N messages counted
/// and K counters:
/// <list type="bullet">
/// <item>the counters' counts sum to exactly N (and their bytes to every byte), so the smallest
/// count, the minimum, is at most N/K;</item>
/// <item>for a topic with a counter, true ≤ Messages ≤ true + Error, and Error ≤ minimum ≤ N/K;</item>
/// <item>a topic without a counter had at most the minimum messages, and none at all until the
/// first takeover; as a takeover leaves an Error of at least 1, counts with every Error 0 are
/// exact and complete.</item>
/// </list>
///
/// The counters live in parallel arrays indexed by slot, found through a dictionary from topic to
/// slot and ordered by a binary min-heap over counts, so that adding to a known topic is one
/// lookup and an O(log K) sift, and allocates nothing.
/// </summary>
public sealed class SpaceSaving
{
    private readonly Dictionary<string, int> _slots;
    private readonly string[] _topics;
    private readonly long[] _messages;
    private readonly long[] _bytes;
    private readonly long[] _errors;
    private readonly int[] _heap;         // heap position → slot; the root holds the smallest count
    private readonly int[] _heapPosition; // slot → heap position

    /// <summary>Creates an empty sketch of <paramref name="capacity"/> counters.</summary>
    public SpaceSaving(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Capacity = capacity;
        _slots = new Dictionary<string, int>(capacity, StringComparer.Ordinal);
        _topics = new string[capacity];
        _messages = new long[capacity];
        _bytes = new long[capacity];
        _errors = new long[capacity];
        _heap = new int[capacity];
        _heapPosition = new int[capacity];
    }

    /// <summary>The most counters, and so the most topics, the sketch holds.</summary>
    public int Capacity { get; }

    /// <summary>Every message added since creation or <see cref="Clear"/>, exact.</summary>
    public long TotalMessages { get; private set; }

    /// <summary>Every byte added since creation or <see cref="Clear"/>, exact.</summary>
    public long TotalBytes { get; private set; }

    /// <summary>Counters in use: the number of topics tracked, at most <see cref="Capacity"/>.</summary>
    public int Count { get; private set; }

    /// <summary>Counts one message of <paramref name="bytes"/> bytes on <paramref name="topic"/>.</summary>
    public void Add(string topic, int bytes)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        TotalMessages++;
        TotalBytes += bytes;

        if (_slots.TryGetValue(topic, out var slot))
        {
            _messages[slot]++;
            _bytes[slot] += bytes;
            SiftDown(_heapPosition[slot]);
        }
        else if (Count < Capacity)
        {
            slot = Count++;
            _slots.Add(topic, slot);
            _topics[slot] = topic;
            _messages[slot] = 1;
            _bytes[slot] = bytes;
            _errors[slot] = 0;
            _heap[slot] = slot;
            _heapPosition[slot] = slot;
            SiftUp(slot);
        }
        else
        {
            slot = _heap[0];
            _slots.Remove(_topics[slot]);
            _slots.Add(topic, slot);
            _topics[slot] = topic;
            _errors[slot] = _messages[slot];
            _messages[slot]++;
            _bytes[slot] += bytes;
            SiftDown(0);
        }
    }

    /// <summary>A copy of the counters in use, in no particular order.</summary>
    public TopicCount[] Snapshot()
    {
        var counts = new TopicCount[Count];
        for (var slot = 0; slot < counts.Length; slot++)
            counts[slot] = new TopicCount(_topics[slot], _messages[slot], _bytes[slot], _errors[slot]);
        return counts;
    }

    /// <summary>Forgets every topic and total, keeping the arrays for the next use.</summary>
    public void Clear()
    {
        _slots.Clear();
        Array.Clear(_topics, 0, Count); // let go of the topic strings
        Count = 0;
        TotalMessages = 0;
        TotalBytes = 0;
    }

    private void SiftUp(int position)
    {
        var slot = _heap[position];
        while (position > 0)
        {
            var parent = (position - 1) / 2;
            if (_messages[_heap[parent]] <= _messages[slot])
                break;
            Place(_heap[parent], position);
            position = parent;
        }
        Place(slot, position);
    }

    private void SiftDown(int position)
    {
        var slot = _heap[position];
        while (true)
        {
            var child = 2 * position + 1;
            if (child >= Count)
                break;
            if (child + 1 < Count && _messages[_heap[child + 1]] < _messages[_heap[child]])
                child++;
            if (_messages[slot] <= _messages[_heap[child]])
                break;
            Place(_heap[child], position);
            position = child;
        }
        Place(slot, position);
    }

    private void Place(int slot, int position)
    {
        _heap[position] = slot;
        _heapPosition[slot] = position;
    }
}

namespace Herald.Broker.Sessions;

/// <summary>
/// Outgoing QoS 1/2 messages awaiting acknowledgement, in the order they were sent, so they can be
/// re-sent in that order on reconnect [MQTT-4.4.0-1]. Allocates packet identifiers that are not
/// in use [MQTT-2.3.1-2]. Its capacity is the smaller of the server's limit and the client's
/// Receive Maximum [MQTT-3.3.4-7]. Not thread-safe: the owning <see cref="Session"/> serialises access.
/// </summary>
internal sealed class InflightWindow(int capacity)
{
    // Keyed by packet id for O(1) acknowledgement; the send order, needed only to re-send and to
    // find the oldest unsent entry, is a sequence number sorted on those rare occasions. (An
    // ordered dictionary shifted the whole window on every PUBACK of the oldest message.)
    private Dictionary<ushort, (InflightMessage Entry, long Sequence)>? _entries; // made at the first message: most idle sessions never get one
    private long _sequence;
    private ushort _lastId;
    private int _unsent;

    public int Capacity { get; set; } = capacity;

    public int Count => _entries?.Count ?? 0;

    public bool HasRoom => Count < Capacity;

    /// <summary>The entries in the order they were first sent.</summary>
    public IEnumerable<KeyValuePair<ushort, InflightMessage>> Entries =>
        _entries is null ? [] : _entries.OrderBy(e => e.Value.Sequence).Select(e => KeyValuePair.Create(e.Key, e.Value.Entry));

    public ushort Add(QueuedMessage delivery)
    {
        var entries = _entries ??= [];
        do
        {
            _lastId = _lastId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastId + 1);
        }
        while (entries.ContainsKey(_lastId));
        var state = delivery.QoS == Protocol.QualityOfService.AtLeastOnce ? InflightState.AwaitingPubAck : InflightState.AwaitingPubRec;
        entries.Add(_lastId, (new InflightMessage(delivery, state), _sequence++));
        return _lastId;
    }

    /// <summary>Puts back an entry read from the durable store, in the order they are given.</summary>
    public void Restore(ushort packetId, InflightMessage entry)
    {
        (_entries ??= [])[packetId] = (entry, _sequence++);
        _lastId = packetId;
    }

    public bool TryGet(ushort packetId, out InflightMessage entry)
    {
        if (_entries is null || !_entries.TryGetValue(packetId, out var slot))
        {
            entry = default;
            return false;
        }
        entry = slot.Entry;
        return true;
    }

    public void Update(ushort packetId, InflightMessage entry)
    {
        if (_entries is null || !_entries.TryGetValue(packetId, out var previous))
            return;
        if (previous.Entry.Unsent)
            _unsent--;
        if (entry.Unsent)
            _unsent++;
        _entries[packetId] = (entry, previous.Sequence);
    }

    public bool Remove(ushort packetId)
    {
        if (_entries is null || !_entries.Remove(packetId, out var removed))
            return false;
        if (removed.Entry.Unsent)
            _unsent--;
        return true;
    }

    public void Clear()
    {
        _entries?.Clear();
        _unsent = 0;
    }

    /// <summary>Entries that are on the wire: sent and not yet acknowledged.</summary>
    public int SentCount => Count - _unsent;

    /// <summary>The oldest entry still waiting to be re-sent on this connection.</summary>
    public bool TryGetUnsent(out ushort packetId, out InflightMessage entry)
    {
        (packetId, entry) = (0, default);
        if (_unsent == 0)
            return false;
        var oldest = long.MaxValue;
        foreach (var (id, slot) in _entries!) // an unsent entry means there are entries
        {
            if (slot.Entry.Unsent && slot.Sequence < oldest)
                (packetId, entry, oldest) = (id, slot.Entry, slot.Sequence);
        }
        return true;
    }
}

namespace Herald.Broker.Sessions;

/// <summary>
/// Outgoing QoS 1/2 messages awaiting acknowledgement, in the order they were sent, so they can be
/// re-sent in that order on reconnect [MQTT-4.4.0-1]. Allocates packet identifiers that are not
/// in use [MQTT-2.3.1-2]. Its capacity is the smaller of the server's limit and the client's
/// Receive Maximum [MQTT-3.3.4-7]. Not thread-safe: the owning <see cref="Session"/> serialises access.
/// </summary>
internal sealed class InflightWindow(int capacity)
{
    private readonly OrderedDictionary<ushort, InflightMessage> _entries = [];
    private ushort _lastId;
    private int _unsent;

    public int Capacity { get; set; } = capacity;

    public int Count => _entries.Count;

    public bool HasRoom => _entries.Count < Capacity;

    public IEnumerable<KeyValuePair<ushort, InflightMessage>> Entries => _entries;

    public ushort Add(QueuedMessage delivery)
    {
        do
        {
            _lastId = _lastId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastId + 1);
        }
        while (_entries.ContainsKey(_lastId));
        var state = delivery.QoS == Protocol.QualityOfService.AtLeastOnce ? InflightState.AwaitingPubAck : InflightState.AwaitingPubRec;
        _entries.Add(_lastId, new InflightMessage(delivery, state));
        return _lastId;
    }

    public bool TryGet(ushort packetId, out InflightMessage entry) => _entries.TryGetValue(packetId, out entry);

    public void Update(ushort packetId, InflightMessage entry)
    {
        if (_entries.TryGetValue(packetId, out var previous) && previous.Unsent)
            _unsent--;
        if (entry.Unsent)
            _unsent++;
        _entries[packetId] = entry;
    }

    public bool Remove(ushort packetId)
    {
        if (!_entries.Remove(packetId, out var removed))
            return false;
        if (removed.Unsent)
            _unsent--;
        return true;
    }

    public void Clear()
    {
        _entries.Clear();
        _unsent = 0;
    }

    /// <summary>Entries that are on the wire: sent and not yet acknowledged.</summary>
    public int SentCount => _entries.Count - _unsent;

    /// <summary>The oldest entry still waiting to be re-sent on this connection.</summary>
    public bool TryGetUnsent(out ushort packetId, out InflightMessage entry)
    {
        (packetId, entry) = (0, default);
        if (_unsent == 0)
            return false;
        foreach (var (id, candidate) in _entries)
        {
            if (candidate.Unsent)
            {
                (packetId, entry) = (id, candidate);
                return true;
            }
        }
        return false;
    }
}

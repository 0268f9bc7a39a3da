using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Broker.Sessions;

/// <summary>
/// Outgoing QoS 1/2 messages awaiting acknowledgement, in the order they were sent, so they can be
/// re-sent in that order on reconnect [MQTT-4.4.0-1]. Allocates packet identifiers that are not
/// in use [MQTT-2.3.1-2]. Not thread-safe: the owning <see cref="Session"/> serialises access.
/// </summary>
internal sealed class InflightWindow(int capacity)
{
    private readonly OrderedDictionary<ushort, InflightMessage> _entries = new(capacity);
    private ushort _lastId;

    public int Count => _entries.Count;

    public bool HasRoom => _entries.Count < capacity;

    public IEnumerable<KeyValuePair<ushort, InflightMessage>> Entries => _entries;

    public ushort Add(Message message, QualityOfService qos, bool retain)
    {
        do
        {
            _lastId = _lastId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastId + 1);
        }
        while (_entries.ContainsKey(_lastId));
        var state = qos == QualityOfService.AtLeastOnce ? InflightState.AwaitingPubAck : InflightState.AwaitingPubRec;
        _entries.Add(_lastId, new InflightMessage(message, qos, retain, state));
        return _lastId;
    }

    public bool TryGet(ushort packetId, out InflightMessage entry) => _entries.TryGetValue(packetId, out entry);

    public void Update(ushort packetId, InflightMessage entry) => _entries[packetId] = entry;

    public bool Remove(ushort packetId) => _entries.Remove(packetId);
}

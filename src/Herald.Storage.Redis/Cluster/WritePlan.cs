using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// A batch of <see cref="WriteOp"/>s turned into the calls of <see cref="RedisWriter"/>'s three
/// phases. Controls and relays share the third, in the order they were queued, so the deliveries a
/// node relays for a session it gave up reach the new node after its "released".
/// </summary>
internal sealed class WritePlan
{
    /// <summary>A stream entry of forwarded messages is cut at about this size: one huge entry would hold Redis up.</summary>
    private const int MaxEntryBytes = 1 << 20;

    private WritePlan(List<PlannedWrite>[] phases) => Phases = phases;

    public IReadOnlyList<List<PlannedWrite>> Phases { get; }

    public static WritePlan Of(List<WriteOp> batch, string node, Func<string, bool> hasLocalSession, AppliedAcks acks)
    {
        var sessions = new Dictionary<string, SessionChanges>(StringComparer.Ordinal);
        var first = new List<PlannedWrite>();
        var controls = new List<PlannedWrite>();
        var forwards = new Dictionary<string, RecordWriter>(StringComparer.Ordinal);
        var retainedTo = new HashSet<string>(StringComparer.Ordinal); // nodes whose batch carries a retained message
        var routes = new List<string>();
        foreach (var op in batch)
        {
            switch (op.Kind)
            {
                case WriteKind.SessionSet:
                    Changes(sessions, op.Target).Record.AddRange(["s", op.Field, op.Value]);
                    break;
                case WriteKind.SessionDelete:
                    Changes(sessions, op.Target).Record.AddRange(["d", op.Field]);
                    break;
                case WriteKind.SessionClear:
                    var cleared = Changes(sessions, op.Target);
                    cleared.Record.Add("x");
                    cleared.Qos2.Clear(); // ids of the session before are gone with it
                    break;
                case WriteKind.Qos2Set:
                    Changes(sessions, op.Target).Qos2.AddRange(["s", op.Field, "1"]);
                    break;
                case WriteKind.Qos2Delete:
                    Changes(sessions, op.Target).Qos2.AddRange(["d", op.Field]);
                    break;
                case WriteKind.Forget:
                    Changes(sessions, op.Target).Forget = true;
                    break;
                case WriteKind.Handoff:
                    Changes(sessions, op.Target).HandedTo = op.Value.ToString();
                    break;
                case WriteKind.Retained:
                    first.Add(new PlannedWrite.Retained(Scripts.SetRetained, op.Target, op.Value.IsNull ? "" : op.Value, op.Field));
                    break;
                case WriteKind.RetainedExpired:
                    first.Add(new PlannedWrite.Retained(Scripts.RemoveExpiredRetained, op.Target, op.Field, default));
                    break;
                case WriteKind.Route:
                    routes.Add(((bool)op.Value ? "+" : "-") + op.Target);
                    break;
                case WriteKind.Forward:
                    if (!forwards.TryGetValue(op.Target, out var entries))
                        forwards.Add(op.Target, entries = new RecordWriter());
                    entries.Bytes((byte[])op.Value!);
                    if (op.Field == true)
                        retainedTo.Add(op.Target);
                    if (entries.Length >= MaxEntryBytes)
                    {
                        first.Add(InboxBatch(node, op.Target, entries, retainedTo.Remove(op.Target) ? acks : null));
                        forwards.Remove(op.Target);
                    }
                    break;
                case WriteKind.Push:
                    // Not after an adopter: a push to a user went to every node, the adopter among them.
                    first.Add(new PlannedWrite.Inbox(op.Target, ["push", op.Field, "m", op.Value], addressedTo: null, followAdopter: false));
                    break;
                case WriteKind.Relay:
                    controls.Add(new PlannedWrite.Inbox(op.Target, ["relay", op.Field, "m", op.Value], addressedTo: null, followAdopter: true));
                    break;
                case WriteKind.Control:
                    controls.Add(new PlannedWrite.Inbox(op.Target, ["c", op.Field, "id", op.Value, "from", node], addressedTo: null, followAdopter: false));
                    break;
            }
        }
        if (routes.Count > 0)
            first.Add(new PlannedWrite.Routes(node, routes, acks));
        var second = new List<PlannedWrite>();
        foreach (var (clientId, changes) in sessions)
        {
            if (changes.Record.Count > 0)
                first.Add(new PlannedWrite.Session(node, clientId, changes.Record, fenceable: true, handedTo: null, forgotten: false));
            var last = changes.Qos2;
            var forget = changes.Forget && changes.HandedTo is null && !hasLocalSession(clientId);
            if (changes.HandedTo is { } to)
                last.AddRange(["h", to]);
            else if (forget)
                last.Add("e");
            if (last.Count > 0)
                second.Add(new PlannedWrite.Session(node, clientId, last, fenceable: changes.HandedTo is null && !forget, changes.HandedTo, forget));
        }
        foreach (var (target, entries) in forwards)
            first.Add(InboxBatch(node, target, entries, retainedTo.Contains(target) ? acks : null));
        return new WritePlan([first, second, controls]);
    }

    /// <param name="applied">For a batch carrying retained messages: wait for the node to have applied it.</param>
    private static PlannedWrite InboxBatch(string node, string target, RecordWriter entries, AppliedAcks? applied) =>
        applied is null
            ? new PlannedWrite.Inbox(target, ["b", entries.ToArray()], addressedTo: null, followAdopter: true)
            : new PlannedWrite.Inbox(target, ["b", entries.ToArray(), "from", node], addressedTo: null, followAdopter: true, applied);

    private static SessionChanges Changes(Dictionary<string, SessionChanges> sessions, string clientId)
    {
        if (!sessions.TryGetValue(clientId, out var changes))
            sessions.Add(clientId, changes = new SessionChanges());
        return changes;
    }

    private sealed class SessionChanges
    {
        public List<RedisValue> Record { get; } = [];
        public List<RedisValue> Qos2 { get; } = [];
        public bool Forget { get; set; }
        public string? HandedTo { get; set; }
    }
}

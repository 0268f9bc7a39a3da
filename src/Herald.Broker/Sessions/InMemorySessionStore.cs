using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Herald.Broker.Sessions;

public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public IEnumerable<Session> All => _sessions.Values;

    public bool TryGet(string clientId, [MaybeNullWhen(false)] out Session session) => _sessions.TryGetValue(clientId, out session);

    public void Add(Session session) => _sessions[session.ClientId] = session;

    public bool Remove(Session session) => _sessions.TryRemove(new KeyValuePair<string, Session>(session.ClientId, session));
}

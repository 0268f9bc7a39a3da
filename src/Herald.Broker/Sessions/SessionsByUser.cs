namespace Herald.Broker.Sessions;

/// <summary>
/// The sessions of each username (the one their client last logged in with), so a push to a user
/// finds that user's sessions without looking at every session. Kept by the sessions themselves
/// as their username changes, and by the broker as they begin and end.
/// </summary>
public sealed class SessionsByUser
{
    private readonly Lock _gate = new(); // taken inside a session's lock, never around one
    private readonly Dictionary<string, HashSet<Session>> _sessions = new(StringComparer.Ordinal);

    /// <summary>The sessions of <paramref name="username"/>, connected or away.</summary>
    public List<Session> Of(string username)
    {
        lock (_gate)
            return _sessions.TryGetValue(username, out var sessions) ? [.. sessions] : [];
    }

    /// <summary>Files <paramref name="session"/> under its new username instead of its old one (either may be none).</summary>
    internal void Move(Session session, string? from, string? to)
    {
        lock (_gate)
        {
            if (from is not null)
                Forget(session, from);
            if (to is null)
                return;
            if (!_sessions.TryGetValue(to, out var sessions))
                _sessions[to] = sessions = new HashSet<Session>(ReferenceEqualityComparer.Instance);
            sessions.Add(session);
        }
    }

    private void Forget(Session session, string username)
    {
        if (_sessions.TryGetValue(username, out var sessions) && sessions.Remove(session) && sessions.Count == 0)
            _sessions.Remove(username);
    }
}

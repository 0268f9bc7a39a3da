using System.Diagnostics.CodeAnalysis;

namespace Herald.Broker.Sessions;

/// <summary>The sessions the broker holds, by client id, whether their client is connected or not.</summary>
public interface ISessionStore
{
    int Count { get; }

    bool TryGet(string clientId, [MaybeNullWhen(false)] out Session session);

    void Add(Session session);

    /// <summary>Removes this session; a newer session under the same client id is left alone.</summary>
    bool Remove(Session session);

    IEnumerable<Session> All { get; }
}

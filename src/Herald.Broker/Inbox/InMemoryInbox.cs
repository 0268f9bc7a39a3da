namespace Herald.Broker.Inbox;

/// <summary>The inbox of a server without a durable store: lost with the process, bounded as any other.</summary>
public sealed class InMemoryInbox(int maxMessages, TimeSpan retention) : IInbox
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<InboxMessage>> _users = new(StringComparer.Ordinal);
    private long _lastId;
    private DateTimeOffset _lastSweep;

    public Task<InboxMessage> AddAsync(string user, InboxMessage message, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var kept = message with { Id = ++_lastId };
            if (!_users.TryGetValue(user, out var messages))
                _users[user] = messages = new Queue<InboxMessage>();
            messages.Enqueue(kept);
            while (messages.Count > maxMessages)
                messages.Dequeue();
            // Users never pushed to again lose their old messages too, in a sweep at most once a minute.
            var now = message.At;
            if (now - _lastSweep >= TimeSpan.FromMinutes(1))
            {
                _lastSweep = now;
                RemoveOld(now - retention);
            }
            return Task.FromResult(kept);
        }
    }

    public Task<IReadOnlyList<InboxMessage>> ReadAsync(string user, long afterId, DateTimeOffset notBefore, int limit, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var oldest = now - retention;
        lock (_gate)
        {
            if (!_users.TryGetValue(user, out var messages))
                return Task.FromResult<IReadOnlyList<InboxMessage>>([]);
            IReadOnlyList<InboxMessage> found = [.. messages
                .Where(m => m.Id > afterId && m.At >= notBefore && m.At >= oldest && !m.IsExpired(now))
                .Take(limit)];
            return Task.FromResult(found);
        }
    }

    /// <summary>Drops every message older than the retention, and the users left with none.</summary>
    private void RemoveOld(DateTimeOffset oldest)
    {
        List<string>? emptied = null;
        foreach (var (user, messages) in _users)
        {
            while (messages.TryPeek(out var first) && first.At < oldest)
                messages.Dequeue();
            if (messages.Count == 0)
                (emptied ??= []).Add(user);
        }
        foreach (var user in emptied ?? [])
            _users.Remove(user);
    }
}

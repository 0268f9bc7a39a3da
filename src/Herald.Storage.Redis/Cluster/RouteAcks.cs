using System.Collections.Concurrent;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// Waits for the other nodes to have applied this node's route announcements. Each batch of
/// route changes carries a sequence number; a node that applied it answers on this node's ack
/// channel (<see cref="ClusterKeys.RouteAcks"/>). The writer holds the batch, and so the SUBACKs
/// it confirms, until every node then alive has answered or <see cref="Timeout"/> passed: a
/// message published anywhere after SUBACK then finds the new route. A node that does not
/// answer (it is dying, or cut off) only delays, it never blocks.
/// </summary>
internal sealed class RouteAcks(string self, Func<IReadOnlyList<string>> members)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private long _last;

    public long Next() => Interlocked.Increment(ref _last);

    /// <summary>Starts waiting for <paramref name="sequence"/>, before it is announced so no answer is missed.</summary>
    public Task Expect(long sequence)
    {
        var waiting = new HashSet<string>(members(), StringComparer.Ordinal);
        waiting.Remove(self);
        if (waiting.Count == 0)
            return Task.CompletedTask;
        var pending = _pending.GetOrAdd(sequence, _ => new Pending(waiting));
        return WaitAsync(sequence, pending);
    }

    private async Task WaitAsync(long sequence, Pending pending)
    {
        try
        {
            await pending.Done.Task.WaitAsync(Timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Some node did not answer: it is dying or cut off, and will read the routes whole when it is back.
        }
        finally
        {
            _pending.TryRemove(sequence, out _);
        }
    }

    /// <summary><paramref name="node"/> applied every announcement up to <paramref name="sequence"/>.</summary>
    public void Acked(string node, long sequence)
    {
        foreach (var (waitingFor, pending) in _pending)
        {
            if (waitingFor <= sequence)
                pending.Answered(node);
        }
    }

    private sealed class Pending(HashSet<string> waiting)
    {
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Answered(string node)
        {
            lock (waiting)
            {
                if (waiting.Remove(node) && waiting.Count == 0)
                    Done.TrySetResult();
            }
        }
    }
}

using System.Collections.Concurrent;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// Waits for other nodes to have applied what this node told them: its route announcements
/// (every node then alive), and the retained messages it forwarded (the nodes they went to).
/// Each such write carries a sequence number; a node that applied it answers on this node's
/// channel (<see cref="ClusterKeys.Applied"/>). The writer holds the batch, and so the SUBACKs
/// and PUBACKs it confirms, until they answered or <see cref="Timeout"/> passed: a message
/// published anywhere after SUBACK finds the new route, and a SUBSCRIBE anywhere after a retained
/// message's PUBACK finds it. A node that does not answer (it is dying, or cut off) only delays,
/// it never blocks.
/// </summary>
internal sealed class AppliedAcks(string self, Func<IReadOnlyList<string>> members)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<long, Pending> _pending = new();
    private long _last;

    public long Next() => Interlocked.Increment(ref _last);

    /// <summary>Starts waiting for every other member to apply <paramref name="sequence"/>, before it is sent so no answer is missed.</summary>
    public Task Expect(long sequence) => Expect(sequence, members());

    /// <summary>Starts waiting for <paramref name="nodes"/> to apply <paramref name="sequence"/>.</summary>
    public Task Expect(long sequence, IEnumerable<string> nodes)
    {
        var waiting = new HashSet<string>(nodes, StringComparer.Ordinal);
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

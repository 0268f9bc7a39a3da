using System.Diagnostics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// The one path from this node into Redis for everything that must not be lost: session records,
/// retained messages, routes, forwarded messages and control requests. Like the SQLite store's
/// group commit, whatever queued while one batch was written goes in the next, as one pipeline:
/// one script call per session, one stream entry per node however many messages it carries. The
/// callbacks of <see cref="WhenDurable"/> run once everything queued before them is in Redis,
/// which is when the engine sends the acknowledgements it held.
///
/// A batch is written in three phases, each waiting for the one before: (1) session records,
/// retained messages, routes and forwards; (2) incoming QoS 2 ids and hand-overs, so an id is never
/// in Redis without the deliveries of its PUBLISH and a session leaves only complete; (3) control
/// requests, which tell another node to act on what (1) and (2) wrote. A failed write is retried
/// every second (the node is then not ready) with its acknowledgements held; parts already written
/// are not written again.
/// </summary>
internal sealed partial class RedisWriter : IAsyncDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    /// <summary>At shutdown, how long the writer waits for an atomic group still being recorded before it writes without it.</summary>
    private static readonly TimeSpan OpenGroupGrace = TimeSpan.FromSeconds(1);

    [ThreadStatic]
    private static RedisWriter? t_groupWriter; // the writer of this thread's open atomic group
    [ThreadStatic]
    private static int t_groupDepth;
    [ThreadStatic]
    private static bool t_groupBegun; // its begin marker is queued (with its first change)

    private readonly IConnectionMultiplexer _redis;
    private readonly string _node;
    private readonly ILogger _log;
    private readonly Func<string, bool> _hasLocalSession;
    private readonly Action<string> _fenced;
    private readonly AppliedAcks _routeAcks;
    private readonly Lock _gate = new();
    private List<WriteOp> _pending = []; // guarded by _gate
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _wakeRequested;
    private readonly CancellationTokenSource _stopping = new(); // cancelled when stopping gives up on an unreachable Redis
    private volatile bool _disposing;
    private readonly Task _loop;
    private volatile bool _failing;

    /// <param name="hasLocalSession">Whether a session of the client id is on this node now, read when a <see cref="WriteKind.Forget"/> is written.</param>
    /// <param name="fenced">Told of a client id whose records were refused because another node owns it now.</param>
    /// <param name="routeAcks">What route announcements wait for; by default nothing (no other node to tell).</param>
    public RedisWriter(IConnectionMultiplexer redis, string node, ILogger log, Func<string, bool> hasLocalSession, Action<string> fenced, AppliedAcks? routeAcks = null)
    {
        _routeAcks = routeAcks ?? new AppliedAcks(node, () => []);
        _redis = redis;
        _node = node;
        _log = log;
        _hasLocalSession = hasLocalSession;
        _fenced = fenced;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>False while writes fail (Redis unreachable): acknowledgements wait, and the node is not ready.</summary>
    public bool IsWriting => !_failing;

    public void Enqueue(in WriteOp op)
    {
        lock (_gate)
        {
            if (t_groupWriter == this && !t_groupBegun)
            {
                t_groupBegun = true;
                _pending.Add(new WriteOp(WriteKind.GroupBegin, "", Value: Environment.CurrentManagedThreadId));
            }
            _pending.Add(op);
        }
        Wake();
    }

    public void WhenDurable(Action<object?> callback, object? state) => Enqueue(new WriteOp(WriteKind.Callback, "", Callback: callback, State: state));

    /// <summary>
    /// What this thread records until <see cref="EndAtomic"/> is never split between batches: the
    /// writer does not write while a group that began in its batch is open, as the SQLite store
    /// does. Changes keep their place in the queue, so what other threads record meanwhile (a
    /// session sending the delivery this group queued) still comes after them. A group costs
    /// nothing until it records something.
    /// </summary>
    public void BeginAtomic()
    {
        if (t_groupDepth == 0)
            t_groupWriter = this;
        if (t_groupWriter == this)
            t_groupDepth++;
    }

    public void EndAtomic()
    {
        if (t_groupWriter != this || --t_groupDepth > 0)
            return;
        t_groupWriter = null;
        if (!t_groupBegun)
            return;
        t_groupBegun = false;
        lock (_gate)
            _pending.Add(new WriteOp(WriteKind.GroupEnd, "", Value: Environment.CurrentManagedThreadId));
        Wake();
    }

    public async ValueTask DisposeAsync()
    {
        // Writes what is queued, unless Redis stays away: then gives up after a few seconds.
        _disposing = true;
        _stopping.CancelAfter(TimeSpan.FromSeconds(5));
        Wake();
        await _loop.ConfigureAwait(false);
        _stopping.Dispose();
    }

    private void Wake()
    {
        if (Interlocked.Exchange(ref _wakeRequested, 1) == 0)
            _wake.Release();
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteOp>();
        var openGroups = new HashSet<long>();
        long waitingSince = 0;
        while (true)
        {
            if (!_disposing)
            {
                try
                {
                    await _wake.WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
            Volatile.Write(ref _wakeRequested, 0);
            List<WriteOp> taken;
            lock (_gate)
            {
                taken = _pending;
                _pending = [];
            }
            foreach (var op in taken)
            {
                if (op.Kind == WriteKind.GroupBegin)
                    openGroups.Add((long)op.Value);
                else if (op.Kind == WriteKind.GroupEnd)
                    openGroups.Remove((long)op.Value);
                else
                    batch.Add(op);
            }
            if (batch.Count == 0 && _disposing)
                return;
            var groupStillOpen = openGroups.Count > 0
                && !(_disposing && waitingSince != 0 && Stopwatch.GetElapsedTime(waitingSince) > OpenGroupGrace);
            if (batch.Count == 0 || groupStillOpen)
            {
                waitingSince = waitingSince == 0 ? Stopwatch.GetTimestamp() : waitingSince;
                if (_disposing)
                    await Task.Delay(10).ConfigureAwait(false);
                continue;
            }
            waitingSince = 0;
            openGroups.Clear();
            var committed = await CommitAsync(batch).ConfigureAwait(false);
            var done = batch;
            batch = [];
            if (!committed)
                return; // stopping with Redis away: what is left is lost with the process, as acknowledgements were never sent
            foreach (var op in done)
            {
                if (op.Kind == WriteKind.Callback)
                {
                    try
                    {
                        op.Callback!(op.State);
                    }
                    catch (Exception e)
                    {
                        CallbackFailed(_log, e);
                    }
                }
            }
        }
    }

    /// <summary>Writes a batch in its three phases, retrying what failed; false if the writer stops before it could.</summary>
    private async Task<bool> CommitAsync(List<WriteOp> batch)
    {
        var plan = WritePlan.Of(batch, _node, _hasLocalSession, _routeAcks);
        foreach (var phase in plan.Phases)
        {
            var left = phase;
            while (left.Count > 0)
            {
                left = await RunPhaseAsync(left).ConfigureAwait(false);
                if (left.Count == 0)
                    break;
                if (!_failing)
                {
                    _failing = true;
                    WritesFailing(_log, left.Count);
                }
                if (_stopping.IsCancellationRequested)
                    return false;
                try
                {
                    await Task.Delay(RetryDelay, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
        if (_failing)
        {
            _failing = false;
            WritesRecovered(_log);
        }
        return true;
    }

    /// <summary>Issues every write of a phase at once (one pipeline) and returns those that failed, and any forward re-addressed to the node that adopted its target.</summary>
    private async Task<List<PlannedWrite>> RunPhaseAsync(List<PlannedWrite> writes)
    {
        var db = _redis.GetDatabase();
        var tasks = new Task<RedisResult>[writes.Count];
        for (var i = 0; i < writes.Count; i++)
            tasks[i] = writes[i].RunAsync(db);
        var left = new List<PlannedWrite>();
        for (var i = 0; i < writes.Count; i++)
        {
            RedisResult result;
            try
            {
                result = await tasks[i].ConfigureAwait(false);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
            {
                left.Add(writes[i]);
                if (!_failing)
                    WriteFailed(_log, e.Message);
                continue;
            }
            if (writes[i].FollowUp(result, _fenced) is { } next)
                left.Add(next);
        }
        return left;
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Critical,
        Message = "Cluster: cannot write to Redis ({Count} writes waiting); acknowledgements of QoS 1/2 messages are held and the node is not ready until it can. Retrying every second")]
    private static partial void WritesFailing(ILogger logger, int count);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Cluster: a write to Redis failed: {Error}")]
    private static partial void WriteFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 402, Level = LogLevel.Information, Message = "Cluster: writes to Redis succeed again; held acknowledgements are sent")]
    private static partial void WritesRecovered(ILogger logger);

    [LoggerMessage(EventId = 403, Level = LogLevel.Error, Message = "Cluster: a callback after a write failed")]
    private static partial void CallbackFailed(ILogger logger, Exception exception);
}

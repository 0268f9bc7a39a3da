using Herald.Broker.Cluster;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// The session registry: every client id has one owner node in Redis (<c>owner</c> in its
/// session hash). A CONNECT claims the id before it is accepted. If another live node owns it,
/// that node is asked (a "release" entry in its inbox) to close its connection, as a takeover on
/// one node does, write what it holds of the session and hand the id over; it answers "released"
/// and the session is loaded here. An owner that died is not asked: its last written state is
/// taken as it is. Every write of a session is fenced by its owner, so a node that was cut off
/// and found dead cannot overwrite a session another node has taken since.
/// </summary>
public sealed partial class RedisCluster
{
    /// <summary>How long a claim waits for the owner's hand-over before taking the id regardless.</summary>
    public static readonly TimeSpan ReleaseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Rounds of asking a claim makes while other nodes claim the same id at once; then the CONNECT is refused, server busy.</summary>
    private const int ClaimAttempts = 6;

    /// <summary>The ids of the messages a session took lately, written by the node that hands it over (<see cref="Broker.Broker.ReleaseSession"/>).</summary>
    internal const string RecentIdsField = "r";

    /// <summary>
    /// Guards <see cref="_claiming"/>: a delivery relayed for a client id this node is claiming
    /// waits there until its session is loaded, and is delivered in its turn; a hand-over asked
    /// for while a CONNECT of the id is under way here waits for it to be done.
    /// </summary>
    private readonly Lock _relayGate = new();
    private readonly Dictionary<string, ClaimState> _claiming = new(StringComparer.Ordinal);

    public async ValueTask<ClaimResult> ClaimAsync(string clientId, CancellationToken cancellationToken)
    {
        if (!IsReachable)
            return ClaimResult.Unreachable;
        var db = _redis.GetDatabase();
        var key = ClusterKeys.Session(clientId);
        lock (_relayGate)
        {
            if (_claiming.TryGetValue(clientId, out var other))
                other.Claims++;
            else
                _claiming.Add(clientId, new ClaimState());
        }
        try
        {
            var owned = false;
            for (var attempt = 0; attempt < ClaimAttempts && !owned; attempt++)
            {
                var owner = (string?)await db.HashGetAsync(key, "owner").ConfigureAwait(false);
                if (owner == NodeId)
                {
                    owned = true;
                    break;
                }
                var alive = owner is not null && await db.KeyExistsAsync(ClusterKeys.Alive(owner)).ConfigureAwait(false);
                if (owner is not null && !alive && attempt < ClaimAttempts - 1)
                {
                    // A dead owner's inbox may hold messages for this session: it is adopted (drained
                    // into its sessions) first, by this node or the one already at it; then asked again.
                    await AdoptOrAwaitAsync(db, owner, cancellationToken).ConfigureAwait(false);
                    continue;
                }
                if (alive && await RequestReleaseAsync(owner!, clientId, cancellationToken).ConfigureAwait(false))
                {
                    owned = (string?)await db.HashGetAsync(key, "owner").ConfigureAwait(false) == NodeId;
                    continue;
                }
                // No owner, or one that did not answer in time: taken as it is.
                if ((long)await db.ScriptEvaluateAsync(Scripts.CompareAndSetOwner, [key], [owner ?? "", NodeId]).ConfigureAwait(false) == 1)
                {
                    owned = true;
                    if (owner is not null)
                        TookOver(_log, clientId, owner);
                }
            }
            if (!owned)
                return ClaimResult.Contended;
            await db.SetAddAsync(ClusterKeys.Sessions(NodeId), clientId).ConfigureAwait(false);
            var stored = _broker!.Sessions.TryGet(clientId, out _) ? null : await LoadAsync(db, clientId).ConfigureAwait(false);
            lock (_relayGate)
            {
                if (stored is not null)
                {
                    _broker.AdoptSession(stored);
                    if (stored.RecentMessageIds is not null)
                        _writer.Enqueue(new WriteOp(WriteKind.SessionDelete, clientId, RecentIdsField)); // taken into its handover window
                }
                // What the node it left relayed while it was being loaded, in the order relayed.
                var state = _claiming[clientId];
                if (_broker.Sessions.TryGet(clientId, out var session))
                {
                    foreach (var relayed in state.Waiting ?? [])
                        session.Deliver(relayed.Message, relayed.QoS, relayed.Retain, relayed.SubscriptionIds);
                }
                state.Waiting = null;
            }
            return ClaimResult.Claimed;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            ClaimFailed(_log, clientId, e.Message);
            return ClaimResult.Unreachable;
        }
    }

    public void EndClaim(string clientId)
    {
        List<string> requesters;
        lock (_relayGate)
        {
            if (!_claiming.TryGetValue(clientId, out var state) || --state.Claims > 0)
                return;
            _claiming.Remove(clientId);
            requesters = state.Requesters;
        }
        if (requesters.Count == 0)
            return;
        Release(clientId, requesters[^1]);
        // The others look again and find the id with the last one, which they ask in turn.
        foreach (var other in requesters.Take(requesters.Count - 1).Distinct())
        {
            if (other != requesters[^1])
                _writer.Enqueue(new WriteOp(WriteKind.Control, other, "released", clientId));
        }
    }

    public void SessionEnded(string clientId) => _writer.Enqueue(new WriteOp(WriteKind.Forget, clientId));

    private async Task<Broker.Persistence.StoredSession?> LoadAsync(IDatabase db, string clientId) =>
        RedisSessionStore.Parse(clientId, await db.HashGetAllAsync(ClusterKeys.Session(clientId)).ConfigureAwait(false), NodeId, _time);

    private async Task<bool> RequestReleaseAsync(string owner, string clientId, CancellationToken cancellationToken)
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _releases[clientId] = released;
        try
        {
            _writer.Enqueue(new WriteOp(WriteKind.Control, owner, "release", clientId));
            await released.Task.WaitAsync(ReleaseTimeout, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            ReleaseTimedOut(_log, clientId, owner, ReleaseTimeout.TotalSeconds);
            return false;
        }
        finally
        {
            _releases.TryRemove(new KeyValuePair<string, TaskCompletionSource>(clientId, released));
        }
    }

    private void OnControl(string request, string clientId, string from)
    {
        switch (request)
        {
            case "release":
                lock (_relayGate)
                {
                    // A CONNECT of this client id is under way here: the other node gets it once that is done.
                    if (_claiming.TryGetValue(clientId, out var claiming))
                    {
                        claiming.Requesters.Add(from);
                        return;
                    }
                }
                // Off the inbox reader: closing the connection publishes its will, which may be forwarded.
                ThreadPool.QueueUserWorkItem(static state => state.cluster.Release(state.clientId, state.from), (cluster: this, clientId, from), preferLocal: false);
                break;
            case "kick":
                _broker!.Kick(clientId);
                break;
            case "released":
                if (_releases.TryGetValue(clientId, out var released))
                    released.TrySetResult();
                break;
        }
    }

    /// <summary>Lets the client id go to <paramref name="to"/>: its client is disconnected here, its session written and handed over, and the node told.</summary>
    private void Release(string clientId, string to)
    {
        var recent = _broker!.ReleaseSession(clientId, relayTo: to);
        if (recent.Count > 0)
            _writer.Enqueue(new WriteOp(WriteKind.SessionSet, clientId, RecentIdsField, Records.Ids(recent)));
        _writer.Enqueue(new WriteOp(WriteKind.Handoff, clientId, Value: to));
        _writer.Enqueue(new WriteOp(WriteKind.Control, to, "released", clientId));
        HandedOver(_log, clientId, to);
    }

    private bool HasLocalSession(string clientId) => _broker is { } broker && broker.Sessions.TryGet(clientId, out _);

    /// <summary>Another node owns a client id this node still had: its client is disconnected here and its session let go.</summary>
    private void OnFenced(string clientId)
    {
        Fenced(_log, clientId);
        _ = LetGoAsync(clientId);
    }

    /// <summary>
    /// What this node took for a session after another node took it (its writes refused) is only
    /// here: it is relayed to that node, which takes each message once, and the session let go.
    /// </summary>
    private async Task LetGoAsync(string clientId)
    {
        string? owner = null;
        try
        {
            owner = await OwnerOfAsync(clientId).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // Not known: the session is let go without its messages, as nothing can carry them.
        }
        var relayTo = owner is not null && owner != NodeId ? owner : null;
        _broker?.ReleaseSession(clientId, relayTo, resendHeld: relayTo is not null);
    }

    [LoggerMessage(EventId = 430, Level = LogLevel.Information, Message = "Cluster: client {ClientId} was taken over from node {Owner}, which is gone or did not answer")]
    private static partial void TookOver(ILogger logger, string clientId, string owner);

    [LoggerMessage(EventId = 431, Level = LogLevel.Warning, Message = "Cluster: cannot claim client id {ClientId} in Redis: {Error}")]
    private static partial void ClaimFailed(ILogger logger, string clientId, string error);

    [LoggerMessage(EventId = 432, Level = LogLevel.Warning, Message = "Cluster: node {Owner} did not hand over client {ClientId} within {Seconds} s; taking it")]
    private static partial void ReleaseTimedOut(ILogger logger, string clientId, string owner, double seconds);

    [LoggerMessage(EventId = 433, Level = LogLevel.Information, Message = "Cluster: client {ClientId} handed over to node {Node}")]
    private static partial void HandedOver(ILogger logger, string clientId, string node);

    [LoggerMessage(EventId = 434, Level = LogLevel.Warning, Message = "Cluster: client {ClientId} belongs to another node now; disconnected here")]
    private static partial void Fenced(ILogger logger, string clientId);
}

using StackExchange.Redis;

namespace Herald.Storage.Redis.Cluster;

/// <summary>One change for <see cref="RedisWriter"/> to make, or a callback to run once those before it are in Redis.</summary>
internal readonly record struct WriteOp(WriteKind Kind, string Target, RedisValue Field = default, RedisValue Value = default, Action<object?>? Callback = null, object? State = null);

internal enum WriteKind
{
    /// <summary>Target: client id; set Field to Value in its session hash.</summary>
    SessionSet,

    /// <summary>Target: client id; delete Field.</summary>
    SessionDelete,

    /// <summary>Target: client id; delete everything of the session but its owner.</summary>
    SessionClear,

    /// <summary>Target: client id; an incoming QoS 2 id set (Field) — written after the deliveries of its batch.</summary>
    Qos2Set,

    /// <summary>Target: client id; an incoming QoS 2 id released.</summary>
    Qos2Delete,

    /// <summary>Target: client id; the client id belongs to no node any more, unless a session for it is here again by the time it is written.</summary>
    Forget,

    /// <summary>Target: client id; hand it over to the node in Value, after everything recorded for it.</summary>
    Handoff,

    /// <summary>Target: topic; Value: the retained message, or null to clear the topic; Field: when it expires (Unix ms, 0 never).</summary>
    Retained,

    /// <summary>Target: topic; Field: when the expired message expired (Unix ms); clear the topic if that message is still there.</summary>
    RetainedExpired,

    /// <summary>
    /// Target: node; Value: one forwarded entry (<see cref="Records.WriteForward"/>), sent with the
    /// others for that node in one call; Field: true when it carries a retained message, and the
    /// batch then waits for the node to have applied it.
    /// </summary>
    Forward,

    /// <summary>Target: filter; Value: true to add it to this node's routes, false to remove it.</summary>
    Route,

    /// <summary>Target: node; Field: "user:{name}" or "client:{id}"; Value: the message (<see cref="Records.WriteMessage"/>) to push to those sessions there.</summary>
    Push,

    /// <summary>Target: node; Field: client id; Value: a delivery (<see cref="Records.Delivery"/>) for that client's session, which moved there. Sent, in order, after the hand-over that precedes it.</summary>
    Relay,

    /// <summary>Target: node; Field: request ("release", "released" or "kick"); Value: client id. Sent after everything else of its batch.</summary>
    Control,

    /// <summary>Runs Callback(State) once everything before it is written.</summary>
    Callback,

    /// <summary>Value: a thread id; its atomic group begins (see <see cref="RedisWriter.BeginAtomic"/>).</summary>
    GroupBegin,

    /// <summary>Value: a thread id; its atomic group ended.</summary>
    GroupEnd,
}

using System.Threading.Tasks.Sources;

namespace Herald.Broker.Connections;

/// <summary>
/// The wait of a writer loop (<see cref="ClientConnection.WaitToWriteAsync"/>): the listener that
/// completes it is the queue's own, reset for every wait, so waiting allocates nothing.
/// </summary>
internal sealed class OutboundSignal : IOutboundListener, IValueTaskSource<bool>
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

    /// <summary>True when there are packets to write, false once the queue completed and drained.</summary>
    public ValueTask<bool> WaitAsync(OutboundQueue queue)
    {
        // Reset before arming: the wake may come on another thread the moment the queue is armed.
        _core.Reset();
        return queue.Arm() switch
        {
            OutboundState.Ready => new ValueTask<bool>(true),
            OutboundState.Completed => new ValueTask<bool>(false),
            _ => new ValueTask<bool>(this, _core.Version),
        };
    }

    /// <summary>A packet was queued or the queue completed: the writer looks again.</summary>
    public void OnOutboundReady() => _core.SetResult(true);

    bool IValueTaskSource<bool>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

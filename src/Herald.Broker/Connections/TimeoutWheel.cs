namespace Herald.Broker.Connections;

/// <summary>
/// The connect and keep-alive deadlines of every connection, on one timer: a wheel of one-second
/// slots, each a list threaded through the connections themselves, so a deadline costs a
/// connection three fields instead of a timer of its own (about 150 bytes). A deadline is kept
/// to the second; one further off than the wheel is long waits in its slot for later rounds.
///
/// A packet does not move its connection: the connection checks, when its slot comes up, whether
/// it has been idle long enough and otherwise takes a later slot.
/// </summary>
internal sealed class TimeoutWheel : IDisposable
{
    private const int Slots = 512; // a power of two; deadlines to eight and a half minutes ahead go round once

    private readonly TimeProvider _time;
    private readonly long _started;
    private readonly ClientConnection?[] _slots = new ClientConnection?[Slots];
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private long _turned; // the last second whose slot was handled

    public TimeoutWheel(TimeProvider time)
    {
        _time = time;
        _started = time.GetTimestamp();
        _timer = time.CreateTimer(static wheel => ((TimeoutWheel)wheel!).Turn(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>Calls <see cref="ClientConnection.OnTimeout"/> once <paramref name="after"/> has passed; replaces its earlier deadline.</summary>
    public void Schedule(ClientConnection connection, TimeSpan after)
    {
        var due = (long)Math.Ceiling((_time.GetElapsedTime(_started) + after).TotalSeconds);
        lock (_gate)
        {
            Unlink(connection);
            connection.WheelDue = Math.Max(due, _turned + 1);
            ref var head = ref _slots[connection.WheelDue & (Slots - 1)];
            connection.WheelNext = head;
            if (head is not null)
                head.WheelPrevious = connection;
            head = connection;
        }
    }

    /// <summary>Forgets the connection's deadline, if it has one.</summary>
    public void Cancel(ClientConnection connection)
    {
        lock (_gate)
            Unlink(connection);
    }

    public void Dispose() => _timer.Dispose();

    private void Turn()
    {
        var now = (long)_time.GetElapsedTime(_started).TotalSeconds;
        List<ClientConnection>? due = null; // the timer may overlap itself, so not a field
        lock (_gate)
        {
            // A late timer catches up on every second it missed, in order.
            for (; _turned < now; _turned++)
            {
                var second = _turned + 1;
                for (var c = _slots[second & (Slots - 1)]; c is not null;)
                {
                    var next = c.WheelNext;
                    if (c.WheelDue <= second)
                    {
                        Unlink(c);
                        (due ??= []).Add(c);
                    }
                    c = next;
                }
            }
        }
        // Outside the lock: a connection closing or taking a later slot comes back into it.
        if (due is null)
            return;
        foreach (var connection in due)
            connection.OnTimeout();
    }

    private void Unlink(ClientConnection connection)
    {
        if (connection.WheelDue == 0)
            return;
        if (connection.WheelPrevious is { } previous)
            previous.WheelNext = connection.WheelNext;
        else
            _slots[connection.WheelDue & (Slots - 1)] = connection.WheelNext;
        if (connection.WheelNext is { } next)
            next.WheelPrevious = connection.WheelPrevious;
        connection.WheelNext = null;
        connection.WheelPrevious = null;
        connection.WheelDue = 0;
    }
}

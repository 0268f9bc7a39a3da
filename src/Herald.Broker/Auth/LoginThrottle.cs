namespace Herald.Broker.Auth;

/// <summary>
/// Failed logins per source address. After <see cref="MaxFailures"/> failures, each within
/// <see cref="Window"/> of the one before, the address's CONNECTs are refused without a password
/// check (a brute-force loop gets nothing to learn and costs no hashing) until a window has passed
/// since its last failure; a successful login forgets the address. Memory is bounded: at
/// <see cref="Capacity"/> addresses the stale ones go, and if none is stale, all of them.
/// </summary>
public sealed class LoginThrottle(TimeProvider time, int maxFailures, TimeSpan window)
{
    public const int Capacity = 10_000;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, (int Failures, long Last)> _addresses = new(StringComparer.Ordinal);

    public int MaxFailures { get; } = maxFailures;

    public TimeSpan Window { get; } = window;

    /// <summary>True while the address has failed too often to be let try again.</summary>
    public bool IsBlocked(string address)
    {
        if (MaxFailures <= 0)
            return false;
        lock (_gate)
            return _addresses.TryGetValue(address, out var entry) && entry.Failures >= MaxFailures && !IsStale(entry.Last);
    }

    public void Failed(string address)
    {
        if (MaxFailures <= 0)
            return;
        lock (_gate)
        {
            var failures = _addresses.TryGetValue(address, out var entry) && !IsStale(entry.Last) ? entry.Failures + 1 : 1;
            if (failures == 1 && _addresses.Count >= Capacity)
                MakeRoom();
            _addresses[address] = (failures, time.GetTimestamp());
        }
    }

    public void Succeeded(string address)
    {
        lock (_gate)
            _addresses.Remove(address);
    }

    private bool IsStale(long last) => time.GetElapsedTime(last) >= Window;

    private void MakeRoom()
    {
        foreach (var (address, entry) in _addresses)
        {
            if (IsStale(entry.Last))
                _addresses.Remove(address);
        }
        if (_addresses.Count >= Capacity)
            _addresses.Clear(); // a flood from more addresses than this holds: start over rather than grow
    }
}

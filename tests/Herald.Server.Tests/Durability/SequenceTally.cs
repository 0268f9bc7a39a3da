namespace Herald.Server.Tests.Durability;

/// <summary>
/// One publisher's messages, numbered 0 to expected − 1 in their payload, as a subscriber receives
/// them: how many distinct ones arrived, how many again, and any that arrived out of order.
/// </summary>
public sealed class SequenceTally(string name, int expected)
{
    private readonly bool[] _seen = new bool[expected];
    private readonly List<string> _outOfOrder = [];

    public int Distinct { get; private set; }

    public int Duplicates { get; private set; }

    public bool Complete => Distinct == expected;

    /// <summary>The first few messages that were new but not the next in sequence (a gap or a reordering), described.</summary>
    public IReadOnlyList<string> OutOfOrder => _outOfOrder;

    public void Add(int sequence)
    {
        if (sequence < 0 || sequence >= expected)
        {
            Note($"{sequence}, which was never published");
            return;
        }
        if (_seen[sequence])
        {
            Duplicates++;
            return;
        }
        _seen[sequence] = true;
        if (sequence != Distinct)
            Note($"{sequence} arrived as new message number {Distinct}");
        Distinct++;
    }

    public string Summary
    {
        get
        {
            var firstMissing = Array.IndexOf(_seen, false);
            return $"{name}: {Distinct} of {expected} distinct, {Duplicates} duplicates"
                + (firstMissing >= 0 ? $", first missing {firstMissing}" : "")
                + (_outOfOrder.Count > 0 ? $", out of order: {string.Join("; ", _outOfOrder)}" : "");
        }
    }

    private void Note(string what)
    {
        if (_outOfOrder.Count < 10)
            _outOfOrder.Add(what);
    }
}

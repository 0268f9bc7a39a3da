namespace Herald.Bench.Measurement;

/// <summary>
/// The sequence numbers one subscriber has received from one publisher: a bit per number, grown
/// by doubling (a million messages cost 128 KB), so a duplicate is a bit already set and a loss
/// is a bit never set below the publisher's final count. Owned by the subscriber's read loop.
/// </summary>
public sealed class SequenceSet
{
    private ulong[] _bits = new ulong[1024];

    /// <summary>Distinct numbers added.</summary>
    public long Count { get; private set; }

    /// <summary>Adds <paramref name="sequence"/>; false when it was already there (a duplicate).</summary>
    public bool Add(long sequence)
    {
        if (sequence < 0)
            return false;
        var word = sequence >> 6;
        if (word >= _bits.Length)
        {
            var size = _bits.Length;
            while (size <= word)
                size *= 2;
            Array.Resize(ref _bits, size);
        }
        var mask = 1UL << (int)(sequence & 63);
        if ((_bits[word] & mask) != 0)
            return false;
        _bits[word] |= mask;
        Count++;
        return true;
    }

    /// <summary>Distinct numbers received below <paramref name="limit"/>.</summary>
    public long CountBelow(long limit)
    {
        long count = 0;
        var words = Math.Min(_bits.Length, limit >> 6);
        for (var i = 0; i < words; i++)
            count += System.Numerics.BitOperations.PopCount(_bits[i]);
        var rest = (int)(limit & 63);
        if (rest > 0 && (limit >> 6) < _bits.Length)
            count += System.Numerics.BitOperations.PopCount(_bits[limit >> 6] & ((1UL << rest) - 1));
        return count;
    }
}

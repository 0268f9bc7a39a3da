using System.Numerics;

namespace Herald.Bench.Measurement;

/// <summary>
/// Latency in nanoseconds, in preallocated log-linear buckets (the HdrHistogram idea): values
/// below 64 ns get a bucket each, then every power of two is cut into 64 linear sub-buckets, so a
/// reported percentile is within 1/64 (1.6 %) of the true value and recording is a shift and an
/// increment. One writer (a subscriber's read loop); readers take a racy but monotonic
/// <see cref="CopyTo"/> snapshot, which is good enough for progress lines and exact once the
/// writers have stopped.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 6;
    private const int SubCount = 1 << SubBits;
    private const int MaxExponent = 42; // about 73 minutes in nanoseconds: anything above is clamped

    public const int BucketCount = (MaxExponent - SubBits + 2) * SubCount;

    private readonly long[] _counts = new long[BucketCount];

    public void Record(long nanoseconds)
    {
        var index = IndexOf(nanoseconds);
        _counts[index]++;
    }

    public void CopyTo(long[] destination) => Array.Copy(_counts, destination, BucketCount);

    public static int IndexOf(long value)
    {
        if (value < SubCount)
            return value < 0 ? 0 : (int)value;
        var exponent = 63 - BitOperations.LeadingZeroCount((ulong)value);
        if (exponent > MaxExponent)
            return BucketCount - 1;
        var shift = exponent - SubBits;
        return (shift + 1) * SubCount + (int)((value >> shift) - SubCount);
    }

    /// <summary>The middle of a bucket's range: what a percentile that falls in it reports.</summary>
    public static long ValueOf(int index)
    {
        if (index < SubCount)
            return index;
        var shift = index / SubCount - 1;
        var lower = (long)(index % SubCount + SubCount) << shift;
        return lower + ((1L << shift) >> 1);
    }

    /// <summary>The value at <paramref name="percentile"/> (0-100) of a bucket array, or 0 when empty.</summary>
    public static long Percentile(long[] counts, double percentile)
    {
        long total = 0;
        foreach (var c in counts)
            total += c;
        if (total == 0)
            return 0;
        var rank = Math.Max(1, (long)Math.Ceiling(total * percentile / 100.0));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
                return ValueOf(i);
        }
        return ValueOf(counts.Length - 1);
    }

    public static long Max(long[] counts)
    {
        for (var i = counts.Length - 1; i >= 0; i--)
        {
            if (counts[i] > 0)
                return ValueOf(i);
        }
        return 0;
    }
}

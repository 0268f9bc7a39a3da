namespace Herald.Broker.Tests.Statistics;

/// <summary>
/// A reproducible stream of topic ranks drawn by Zipf's law (rank r with weight 1/r^s), the shape
/// of real publish traffic: a few hot topics and a long tail that overflows any small sketch.
/// </summary>
internal sealed class SkewedTopics
{
    private readonly Random _random;
    private readonly double[] _cumulative;

    public SkewedTopics(int distinct, double exponent, int seed)
    {
        _random = new Random(seed);
        _cumulative = new double[distinct];
        var total = 0.0;
        for (var rank = 0; rank < distinct; rank++)
        {
            total += 1 / Math.Pow(rank + 1, exponent);
            _cumulative[rank] = total;
        }
    }

    /// <summary>The next rank, 0 for the hottest topic.</summary>
    public int Next()
    {
        var index = Array.BinarySearch(_cumulative, _random.NextDouble() * _cumulative[^1]);
        return index >= 0 ? index : Math.Min(~index, _cumulative.Length - 1);
    }

    /// <summary>A payload length between 0 and 255 bytes.</summary>
    public int NextBytes() => _random.Next(256);
}

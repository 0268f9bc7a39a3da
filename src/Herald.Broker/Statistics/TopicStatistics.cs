namespace Herald.Broker.Statistics;

/// <summary>
/// Per-topic message and byte counts over the last minute, 5 minutes and hour, for every topic, in
/// memory bounded by the capacity K however many distinct topics are published. Thread-safe.
///
/// <see cref="Record"/> adds to one <see cref="SpaceSaving"/> sketch of K counters, the current
/// 10 s bucket. Buckets are aligned to construction and rotated lazily, by whichever call first
/// sees the clock past the bucket's end (no timer): the sketch is closed into an immutable
/// snapshot and cleared for the next bucket, and 10 s periods that passed in silence become empty
/// buckets. The last 30 ten-second snapshots are kept (5 minutes), and each completed minute's six
/// are merged into a one-minute snapshot truncated to K entries, kept for the last 59 minutes.
/// A window merges the current bucket with the newest closed summaries that fit in it, so
/// <see cref="HotTopicsWindow.Covered"/> is never more than the window, nor more than the time
/// since construction; once the window has passed it is short of the window by less than one
/// summary's span, 10 s or, for the hour, 1 minute:
/// <list type="bullet">
/// <item>1 minute: the current bucket and the last 5 ten-second snapshots, 50 to 60 s;</item>
/// <item>5 minutes: the current bucket and the last 29 ten-second snapshots, 290 to 300 s;</item>
/// <item>1 hour: the current bucket, the current minute's ten-second snapshots and the last 59
/// one-minute snapshots, 59 to 60 minutes.</item>
/// </list>
///
/// Error bounds, for a window's N messages (its exact <see cref="HotTopicsWindow.TotalMessages"/>):
/// every summary, sketch or merged, has a minimum μ ≤ its N/K such that each listed topic's true
/// count lies in [Messages − Error, Messages] with Error ≤ μ, and each unlisted topic had at most μ
/// messages (<see cref="SpaceSaving"/> and <see cref="SnapshotMerge"/> say why). A window's μ is
/// the sum of its parts' minimums, so in every window:
/// <list type="bullet">
/// <item>for each topic listed, Messages − Error ≤ true ≤ Messages, and Error ≤ ⌈N/K⌉, the
/// <see cref="HotTopicsWindow.ErrorBound"/>; Error is the topic's own counter errors plus the
/// minimums of the parts that do not list it, usually far below the bound;</item>
/// <item>every topic with more than 2N/K messages is among the first K topics, so it is listed
/// whenever the limit is at least K (fewer than K topics can have Messages − μ &gt; N/K, since those
/// differences sum to at most N);</item>
/// <item>while no minute has more than K distinct topics, nothing is ever evicted or truncated and
/// every count is exact (Error 0).</item>
/// </list>
/// Bytes are counted alongside messages and are exact when Error is 0; otherwise they are an
/// estimate that carries the bytes of the counters taken over, with no separate bound.
///
/// Memory: at most (1 + 30 + 59) × K topic counts are held (the current sketch, the ten-second
/// ring and the minute ring), each a 32-byte <see cref="TopicCount"/> referring to the published
/// topic string, whatever the number of distinct topics. A call to <see cref="Top"/> allocates at
/// most (1 + 5 + 59) × K more, transiently. Recording a topic the current sketch already tracks
/// allocates nothing and costs a lock, a clock read, a dictionary lookup and an O(log K) sift.
/// </summary>
public sealed class TopicStatistics
{
    private const long BucketTicks = 10 * TimeSpan.TicksPerSecond;
    private const int BucketsPerMinute = 6;
    private const int TenSecondBuckets = 30; // 5 minutes
    private const int MinuteBuckets = 59;    // an hour less the current minute, so Covered ≤ 1 hour

    // After a silence this long every ring holds only empty buckets, so skip closing each one.
    private const long Horizon = BucketsPerMinute * (MinuteBuckets + 1);

    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan OneHour = TimeSpan.FromHours(1);

    /// <summary>The windows <see cref="Top"/> answers for: 1 minute, 5 minutes and 1 hour.</summary>
    public static readonly TimeSpan[] Windows = [OneMinute, FiveMinutes, OneHour];

    private readonly TimeProvider _time;
    private readonly long _start;
    private readonly int _capacity;

    // _gate guards the rest: the bucket being counted and the rings of closed snapshots.
    private readonly Lock _gate = new();
    private readonly SpaceSaving _current;
    private long _bucket; // index of the bucket _current counts: 10 s periods since _start
    private readonly SketchSnapshot[] _tenSeconds = new SketchSnapshot[TenSecondBuckets]; // bucket b at b % 30
    private readonly SketchSnapshot[] _minutes = new SketchSnapshot[MinuteBuckets];       // minute m at m % 59

    /// <summary>Starts counting now, by <paramref name="time"/>, in sketches of <paramref name="capacity"/> counters.</summary>
    public TopicStatistics(TimeProvider time, int capacity = 1000)
    {
        ArgumentNullException.ThrowIfNull(time);
        _current = new SpaceSaving(capacity);
        _capacity = capacity;
        _time = time;
        _start = time.GetTimestamp();
        Array.Fill(_tenSeconds, SketchSnapshot.Empty);
        Array.Fill(_minutes, SketchSnapshot.Empty);
    }

    /// <summary>Counts one published message of <paramref name="bytes"/> payload bytes on <paramref name="topic"/>.</summary>
    public void Record(string topic, int bytes)
    {
        lock (_gate)
        {
            MoveTo(CurrentBucket());
            _current.Add(topic, bytes);
        }
    }

    /// <summary>
    /// The <paramref name="limit"/> busiest topics over <paramref name="window"/>, which must be one of
    /// <see cref="Windows"/>, with the window's totals and error bound.
    /// </summary>
    public HotTopicsWindow Top(TimeSpan window, int limit)
    {
        if (window != OneMinute && window != FiveMinutes && window != OneHour)
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window must be one of TopicStatistics.Windows: 1, 5 or 60 minutes.");
        ArgumentOutOfRangeException.ThrowIfNegative(limit);

        SketchSnapshot[] parts;
        TimeSpan covered;
        lock (_gate)
        {
            var elapsed = _time.GetElapsedTime(_start).Ticks;
            MoveTo(elapsed / BucketTicks);
            // The clock may have stepped back into the bucket before; cover none of it then.
            covered = TimeSpan.FromTicks(Math.Max(0, elapsed - _bucket * BucketTicks));
            if (window == OneHour)
                parts = HourParts(ref covered);
            else
                parts = TenSecondParts(window == OneMinute ? BucketsPerMinute - 1 : TenSecondBuckets - 1, ref covered);
        }

        // The parts are immutable, so merging them, the costly step, needs no lock.
        var merged = SnapshotMerge.Combine(parts, int.MaxValue);
        var topics = merged.Topics.Length <= limit ? merged.Topics : merged.Topics[..limit];
        var errorBound = (merged.Messages + _capacity - 1) / _capacity;
        return new HotTopicsWindow(window, covered, merged.Messages, merged.Bytes, errorBound, topics);
    }

    private long CurrentBucket() => _time.GetElapsedTime(_start).Ticks / BucketTicks;

    /// <summary>Rotates to <paramref name="bucket"/>, closing the current bucket and any silent ones between. Under <see cref="_gate"/>.</summary>
    private void MoveTo(long bucket)
    {
        if (bucket <= _bucket)
            return; // the same bucket, or a clock that stepped back: keep counting in this one
        if (bucket - _bucket > Horizon)
        {
            Array.Fill(_tenSeconds, SketchSnapshot.Empty);
            Array.Fill(_minutes, SketchSnapshot.Empty);
        }
        else
        {
            Close(_bucket, SketchSnapshot.Of(_current));
            for (var silent = _bucket + 1; silent < bucket; silent++)
                Close(silent, SketchSnapshot.Empty);
        }
        _current.Clear();
        _bucket = bucket;
    }

    private void Close(long bucket, SketchSnapshot snapshot)
    {
        _tenSeconds[bucket % TenSecondBuckets] = snapshot;
        if (bucket % BucketsPerMinute != BucketsPerMinute - 1)
            return;
        // The minute's six buckets are adjacent in the ring, as 30 is a multiple of 6.
        var first = (int)((bucket - (BucketsPerMinute - 1)) % TenSecondBuckets);
        _minutes[bucket / BucketsPerMinute % MinuteBuckets] =
            SnapshotMerge.Combine(_tenSeconds.AsSpan(first, BucketsPerMinute), _capacity);
    }

    /// <summary>The current bucket and up to <paramref name="closed"/> ten-second snapshots before it. Under <see cref="_gate"/>.</summary>
    private SketchSnapshot[] TenSecondParts(int closed, ref TimeSpan covered)
    {
        var count = (int)Math.Min(closed, _bucket); // no buckets before construction
        var parts = new SketchSnapshot[1 + count];
        parts[0] = SketchSnapshot.Of(_current);
        for (var i = 1; i <= count; i++)
            parts[i] = _tenSeconds[(_bucket - i) % TenSecondBuckets];
        covered += TimeSpan.FromTicks(count * BucketTicks);
        return parts;
    }

    /// <summary>The current bucket, the current minute's closed buckets and up to 59 minutes before. Under <see cref="_gate"/>.</summary>
    private SketchSnapshot[] HourParts(ref TimeSpan covered)
    {
        var inMinute = (int)(_bucket % BucketsPerMinute);
        var minute = _bucket / BucketsPerMinute;
        var minutes = (int)Math.Min(MinuteBuckets, minute);
        var parts = new SketchSnapshot[1 + inMinute + minutes];
        parts[0] = SketchSnapshot.Of(_current);
        for (var i = 1; i <= inMinute; i++)
            parts[i] = _tenSeconds[(_bucket - i) % TenSecondBuckets];
        for (var i = 1; i <= minutes; i++)
            parts[inMinute + i] = _minutes[(minute - i) % MinuteBuckets];
        covered += TimeSpan.FromTicks(inMinute * BucketTicks) + TimeSpan.FromMinutes(minutes);
        return parts;
    }
}

using Herald.Broker.Statistics;

namespace Herald.Broker.Tests.Statistics;

/// <summary>
/// <see cref="SpaceSaving"/>: exact while the topics fit, and beyond that every estimate within its
/// error of the truth, every error within N/K, in counters that never outgrow the capacity.
/// </summary>
public sealed class SpaceSavingTests
{
    [Fact]
    public void Counts_are_exact_while_distinct_topics_fit_in_capacity()
    {
        var sketch = new SpaceSaving(capacity: 3);
        sketch.Add("a", 10);
        sketch.Add("b", 20);
        sketch.Add("a", 5);
        sketch.Add("c", 0);
        sketch.Add("a", 1);

        var counts = sketch.Snapshot().OrderBy(c => c.Topic).ToArray();

        Assert.Equal([new("a", 3, 16, 0), new("b", 1, 20, 0), new("c", 1, 0, 0)], counts);
        Assert.Equal(3, sketch.Count);
        Assert.Equal(5, sketch.TotalMessages);
        Assert.Equal(36, sketch.TotalBytes);
    }

    [Fact]
    public void New_topic_in_a_full_sketch_takes_over_the_smallest_counter_and_inherits_it_as_error()
    {
        var sketch = new SpaceSaving(capacity: 2);
        sketch.Add("a", 1);
        sketch.Add("a", 1);
        sketch.Add("a", 1);
        sketch.Add("b", 7);
        sketch.Add("b", 7);

        sketch.Add("c", 100);

        var counts = sketch.Snapshot().OrderBy(c => c.Topic).ToArray();
        Assert.Equal([new("a", 3, 3, 0), new("c", 3, 114, 2)], counts);
    }

    [Fact]
    public void Counters_sum_to_the_totals_however_many_topics_were_evicted()
    {
        var sketch = new SpaceSaving(capacity: 10);
        var stream = new SkewedTopics(distinct: 1_000, exponent: 1.0, seed: 7);
        for (var i = 0; i < 10_000; i++)
            sketch.Add($"t{stream.Next()}", stream.NextBytes());

        var counts = sketch.Snapshot();

        Assert.Equal(sketch.TotalMessages, counts.Sum(c => c.Messages));
        Assert.Equal(sketch.TotalBytes, counts.Sum(c => c.Bytes));
    }

    [Fact]
    public void Estimate_overcounts_by_at_most_its_error_and_error_is_at_most_N_over_K()
    {
        const int capacity = 50;
        var sketch = new SpaceSaving(capacity);
        var truth = new Dictionary<string, long>();
        var stream = new SkewedTopics(distinct: 5_000, exponent: 1.1, seed: 42);
        for (var i = 0; i < 200_000; i++)
        {
            var topic = $"t{stream.Next()}";
            sketch.Add(topic, 1);
            truth[topic] = truth.GetValueOrDefault(topic) + 1;
        }

        var counts = sketch.Snapshot();
        var minimum = counts.Min(c => c.Messages);
        var bound = sketch.TotalMessages / capacity;

        Assert.Equal(capacity, counts.Length);
        Assert.Contains(counts, c => c.Error > 0); // the stream did overflow the sketch
        foreach (var count in counts)
        {
            Assert.InRange(truth[count.Topic], count.Messages - count.Error, count.Messages);
            Assert.InRange(count.Error, 0, minimum);
        }
        Assert.True(minimum <= bound, $"minimum {minimum} > N/K {bound}");
        // A topic without a counter had at most the minimum.
        var tracked = counts.Select(c => c.Topic).ToHashSet();
        Assert.All(truth.Where(t => !tracked.Contains(t.Key)), t => Assert.InRange(t.Value, 0, minimum));
    }

    [Fact]
    public void Topic_heavier_than_N_over_K_is_always_tracked()
    {
        const int capacity = 20;
        var sketch = new SpaceSaving(capacity);
        var truth = new Dictionary<string, long>();
        var stream = new SkewedTopics(distinct: 2_000, exponent: 0.9, seed: 3);
        for (var i = 0; i < 100_000; i++)
        {
            var topic = $"t{stream.Next()}";
            sketch.Add(topic, 1);
            truth[topic] = truth.GetValueOrDefault(topic) + 1;
        }

        var tracked = sketch.Snapshot().Select(c => c.Topic).ToHashSet();
        var heavy = truth.Where(t => t.Value > sketch.TotalMessages / capacity).Select(t => t.Key).ToList();

        Assert.NotEmpty(heavy);
        Assert.All(heavy, topic => Assert.Contains(topic, tracked));
    }

    [Fact]
    public void Counters_stay_at_capacity_with_100000_distinct_topics()
    {
        var sketch = new SpaceSaving(capacity: 1_000);
        for (var i = 0; i < 100_000; i++)
            sketch.Add($"devices/{i}/status", 8);

        Assert.Equal(1_000, sketch.Count);
        Assert.Equal(1_000, sketch.Snapshot().Length);
        Assert.Equal(100_000, sketch.TotalMessages);
        Assert.Equal(800_000, sketch.TotalBytes);
    }

    [Fact]
    public void Clear_forgets_every_topic_and_total()
    {
        var sketch = new SpaceSaving(capacity: 2);
        sketch.Add("a", 1);
        sketch.Add("b", 1);
        sketch.Add("c", 1);

        sketch.Clear();
        sketch.Add("d", 4);

        Assert.Equal([new TopicCount("d", 1, 4, 0)], sketch.Snapshot());
        Assert.Equal(1, sketch.TotalMessages);
        Assert.Equal(4, sketch.TotalBytes);
        Assert.Equal(1, sketch.Count);
    }

    [Fact]
    public void Adding_to_a_tracked_topic_or_taking_over_a_counter_allocates_nothing()
    {
        var sketch = new SpaceSaving(capacity: 100);
        var topics = Enumerable.Range(0, 1_000).Select(i => $"t{i}").ToArray();
        for (var i = 0; i < 100; i++)
            sketch.Add(topics[i], 1);

        var tracked = AllocatedBy(() =>
        {
            for (var i = 0; i < 10_000; i++)
                sketch.Add(topics[i % 100], 1);
        });
        var takenOver = AllocatedBy(() =>
        {
            for (var i = 0; i < 10_000; i++)
                sketch.Add(topics[i % topics.Length], 1);
        });

        Assert.Equal(0, tracked);
        Assert.Equal(0, takenOver);
    }

    [Fact]
    public void Capacity_must_be_positive_and_bytes_not_negative()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpaceSaving(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SpaceSaving(1).Add("a", -1));
    }

    /// <summary>Bytes the action allocates on this thread, after a warm-up run.</summary>
    internal static long AllocatedBy(Action action)
    {
        action();
        var before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}

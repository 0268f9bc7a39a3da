using Herald.Broker.Statistics;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Statistics;

/// <summary>
/// The documented bounds of <see cref="TopicStatistics"/>, checked against exact counts of a
/// skewed stream that overflows every sketch and every merged minute: for each window with N
/// messages, each listed topic's true count is in [Messages − Error, Messages], Error ≤ ⌈N/K⌉,
/// topics not listed at all had at most ⌈N/K⌉, and a topic with more than 2N/K is in the top K.
/// </summary>
public sealed class TopicStatisticsErrorBoundTests
{
    private const int Capacity = 20;

    private readonly FakeTimeProvider _time = new();
    private readonly TopicStatistics _statistics;
    private readonly List<(TimeSpan At, string Topic, int Bytes)> _recorded = [];
    private readonly DateTimeOffset _start;

    public TopicStatisticsErrorBoundTests()
    {
        _statistics = new TopicStatistics(_time, Capacity);
        _start = _time.GetUtcNow();
    }

    [Fact]
    public void Every_window_keeps_each_estimate_within_its_error_and_each_error_within_N_over_K()
    {
        var checkedWindows = 0;
        var sawErrors = false;
        foreach (var _ in RecordSkewedTraffic(minutes: 75))
        {
            foreach (var window in TopicStatistics.Windows)
            {
                var top = _statistics.Top(window, int.MaxValue);
                var truth = ExactCounts(top.Covered);

                Assert.Equal(truth.Values.Sum(t => t.Messages), top.TotalMessages);
                Assert.Equal(truth.Values.Sum(t => t.Bytes), top.TotalBytes);
                Assert.Equal((top.TotalMessages + Capacity - 1) / Capacity, top.ErrorBound);
                foreach (var count in top.Topics)
                {
                    var exact = truth.GetValueOrDefault(count.Topic).Messages;
                    Assert.InRange(exact, count.Messages - count.Error, count.Messages);
                    Assert.InRange(count.Error, 0, top.ErrorBound);
                    sawErrors |= count.Error > 0;
                }
                var listed = top.Topics.Select(t => t.Topic).ToHashSet();
                foreach (var (topic, exact) in truth)
                {
                    if (!listed.Contains(topic))
                        Assert.InRange(exact.Messages, 1, top.ErrorBound);
                }
                checkedWindows++;
            }
        }
        Assert.Equal(3 * 15, checkedWindows);
        Assert.True(sawErrors, "the stream should overflow the sketches");
    }

    [Fact]
    public void Topic_heavier_than_two_N_over_K_is_always_listed()
    {
        var heavyChecked = 0;
        foreach (var _ in RecordSkewedTraffic(minutes: 75))
        {
            foreach (var window in TopicStatistics.Windows)
            {
                var top = _statistics.Top(window, Capacity);
                var listed = top.Topics.Select(t => t.Topic).ToHashSet();
                foreach (var (topic, exact) in ExactCounts(top.Covered))
                {
                    if (exact.Messages * Capacity <= 2 * top.TotalMessages)
                        continue;
                    Assert.Contains(topic, listed);
                    heavyChecked++;
                }
            }
        }
        Assert.True(heavyChecked > 0, "the stream should have heavy topics");
    }

    [Fact]
    public void Topic_cut_from_a_merged_minute_keeps_an_honest_error_in_the_hour()
    {
        var statistics = new TopicStatistics(_time, capacity: 2);
        // Six buckets of two topics each fill no sketch, but the minute has seven topics: merged
        // and cut to two (x with 12, hot0 with 10), it drops hot1 to hot5, which had 10 each.
        for (var bucket = 0; bucket < 6; bucket++)
        {
            for (var i = 0; i < 10; i++)
                statistics.Record($"hot{bucket}", 1);
            statistics.Record("x", 1);
            statistics.Record("x", 1);
            _time.Advance(TimeSpan.FromSeconds(10));
        }
        statistics.Record("hot1", 1);

        var hour = statistics.Top(TimeSpan.FromHours(1), int.MaxValue);

        Assert.Equal(73, hour.TotalMessages);
        var hot1 = Assert.Single(hour.Topics, t => t.Topic == "hot1");
        Assert.Equal(new TopicCount("hot1", 11, 11, 10), hot1); // true 11, within [1, 11]
        Assert.DoesNotContain(hour.Topics, t => t.Topic == "hot2"); // true 10 ≤ ErrorBound
        Assert.Equal(37, hour.ErrorBound);
    }

    /// <summary>
    /// Records Zipf-distributed traffic, whose hot topics drift every minute so that each window
    /// sees different ones, yielding every five minutes (at odd seconds) to let the caller check.
    /// </summary>
    private IEnumerable<int> RecordSkewedTraffic(int minutes)
    {
        var stream = new SkewedTopics(distinct: 400, exponent: 1.1, seed: 2005);
        for (var second = 1; second <= minutes * 60; second++)
        {
            var drift = second / 60 * 7;
            var messages = 10 + second % 17; // an uneven rate, so buckets differ in size
            for (var i = 0; i < messages; i++)
            {
                var topic = $"t{(stream.Next() + drift) % 400}";
                var bytes = stream.NextBytes();
                _statistics.Record(topic, bytes);
                _recorded.Add((_time.GetUtcNow() - _start, topic, bytes));
            }
            _time.Advance(TimeSpan.FromSeconds(1));
            if (second % 300 == 0)
            {
                _time.Advance(TimeSpan.FromSeconds(0.5)); // mid-bucket
                yield return second;
            }
        }
    }

    /// <summary>True counts of the messages recorded in the last <paramref name="covered"/>.</summary>
    private Dictionary<string, (long Messages, long Bytes)> ExactCounts(TimeSpan covered)
    {
        var from = _time.GetUtcNow() - _start - covered;
        var counts = new Dictionary<string, (long Messages, long Bytes)>();
        foreach (var (at, topic, bytes) in _recorded)
        {
            if (at < from)
                continue;
            var (messages, total) = counts.GetValueOrDefault(topic);
            counts[topic] = (messages + 1, total + bytes);
        }
        return counts;
    }
}

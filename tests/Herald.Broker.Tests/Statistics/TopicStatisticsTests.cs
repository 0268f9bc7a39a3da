using Herald.Broker.Statistics;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Statistics;

/// <summary>
/// <see cref="TopicStatistics"/> counts and answers: exact while topics fit, ordered and limited,
/// exact totals under concurrent recording, bounded however many topics, and no allocation on
/// the hot path.
/// </summary>
public sealed class TopicStatisticsTests
{
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan OneHour = TimeSpan.FromHours(1);

    [Fact]
    public void Windows_are_one_minute_five_minutes_and_one_hour()
    {
        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromHours(1)], TopicStatistics.Windows);
    }

    [Fact]
    public void Counts_messages_and_bytes_per_topic_exactly_while_topics_fit_in_capacity()
    {
        var time = new FakeTimeProvider();
        var statistics = new TopicStatistics(time, capacity: 10);
        for (var second = 0; second < 30; second++)
        {
            statistics.Record("sensors/temp", 4);
            if (second % 3 == 0)
                statistics.Record("sensors/humidity", 100);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        statistics.Record("alarms", 1_000);

        foreach (var window in TopicStatistics.Windows)
        {
            var top = statistics.Top(window, limit: 10);

            Assert.Equal([new("sensors/temp", 30, 120, 0), new("sensors/humidity", 10, 1_000, 0), new("alarms", 1, 1_000, 0)], top.Topics);
            Assert.Equal(41, top.TotalMessages);
            Assert.Equal(2_120, top.TotalBytes);
            Assert.Equal(window, top.Window);
        }
    }

    [Fact]
    public void Topics_are_ordered_by_messages_and_cut_at_the_limit()
    {
        var statistics = new TopicStatistics(new FakeTimeProvider(), capacity: 10);
        for (var topic = 1; topic <= 5; topic++)
        {
            for (var i = 0; i < topic; i++)
                statistics.Record($"t{topic}", 1);
        }

        var top = statistics.Top(OneMinute, limit: 3);

        Assert.Equal(["t5", "t4", "t3"], top.Topics.Select(t => t.Topic));
        Assert.Equal(15, top.TotalMessages); // totals count every topic, listed or not
        Assert.Empty(statistics.Top(OneMinute, limit: 0).Topics);
        Assert.Throws<ArgumentOutOfRangeException>(() => statistics.Top(OneMinute, limit: -1));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(30)]
    [InlineData(-1)]
    public void Window_not_in_Windows_is_refused(int minutes)
    {
        var statistics = new TopicStatistics(new FakeTimeProvider());

        Assert.Throws<ArgumentOutOfRangeException>(() => statistics.Top(TimeSpan.FromMinutes(minutes), 10));
    }

    [Fact]
    public void Error_bound_is_the_ceiling_of_N_over_K()
    {
        var statistics = new TopicStatistics(new FakeTimeProvider(), capacity: 4);
        for (var i = 0; i < 9; i++)
            statistics.Record("a", 1);

        Assert.Equal(3, statistics.Top(OneMinute, 10).ErrorBound);
        Assert.Equal(0, new TopicStatistics(new FakeTimeProvider(), capacity: 4).Top(OneMinute, 10).ErrorBound);
    }

    [Fact]
    public void Totals_are_exact_when_many_threads_record_while_time_passes()
    {
        const int threads = 8;
        const int perThread = 20_000;
        var time = new FakeTimeProvider();
        var statistics = new TopicStatistics(time, capacity: 100);
        var recorders = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var bytes = t;
            recorders[t] = new Thread(() =>
            {
                for (var i = 0; i < perThread; i++)
                    statistics.Record($"devices/{i % 50}/status", bytes);
            });
            recorders[t].Start();
        }
        // Rotate buckets under the recorders' feet, within the hour so the hour window sees every message.
        for (var second = 0; second < 1_800 && recorders.Any(r => r.IsAlive); second++)
            time.Advance(TimeSpan.FromSeconds(1));
        foreach (var recorder in recorders)
            recorder.Join();

        var top = statistics.Top(OneHour, limit: 100);

        Assert.Equal(threads * perThread, top.TotalMessages);
        Assert.Equal(perThread * (long)Enumerable.Range(0, threads).Sum(), top.TotalBytes);
        Assert.Equal(50, top.Topics.Count);
        Assert.All(top.Topics, t => Assert.Equal(threads * perThread / 50, t.Messages));
    }

    [Fact]
    public void Memory_stays_bounded_by_capacity_with_100000_distinct_topics()
    {
        const int capacity = 50;
        var time = new FakeTimeProvider();
        var statistics = new TopicStatistics(time, capacity);
        // 100,000 distinct topics over 70 minutes: every bucket overflows, every minute is truncated.
        for (var i = 0; i < 100_000; i++)
        {
            statistics.Record($"devices/{i}/status", 8);
            time.Advance(TimeSpan.FromMilliseconds(42));
        }

        // A window lists the union of the summaries it merges, so it shows how much they hold.
        Assert.InRange(statistics.Top(OneMinute, int.MaxValue).Topics.Count, 1, (1 + 5) * capacity);
        Assert.InRange(statistics.Top(TimeSpan.FromMinutes(5), int.MaxValue).Topics.Count, 1, (1 + 29) * capacity);
        Assert.InRange(statistics.Top(OneHour, int.MaxValue).Topics.Count, 1, (1 + 5 + 59) * capacity);
    }

    [Fact]
    public void Recording_a_tracked_topic_allocates_nothing()
    {
        var statistics = new TopicStatistics(new FakeTimeProvider(), capacity: 100);
        var topics = Enumerable.Range(0, 100).Select(i => $"devices/{i}/status").ToArray();

        var allocated = SpaceSavingTests.AllocatedBy(() =>
        {
            for (var i = 0; i < 10_000; i++)
                statistics.Record(topics[i % topics.Length], 64);
        });

        Assert.Equal(0, allocated);
    }
}

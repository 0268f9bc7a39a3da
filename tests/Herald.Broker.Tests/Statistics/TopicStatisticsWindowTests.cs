using Herald.Broker.Statistics;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Statistics;

/// <summary>
/// <see cref="TopicStatistics"/> windows on a fake clock: messages leave each window as it slides
/// past them, in 10 s buckets; silences of any length rotate correctly; Covered says how much time
/// an answer spans.
/// </summary>
public sealed class TopicStatisticsWindowTests
{
    private static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FiveMinutes = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan OneHour = TimeSpan.FromHours(1);

    private readonly FakeTimeProvider _time = new();
    private readonly TopicStatistics _statistics;

    public TopicStatisticsWindowTests() => _statistics = new TopicStatistics(_time, capacity: 10);

    [Fact]
    public void Message_older_than_a_minute_leaves_the_minute_window_but_stays_in_five_minutes_and_the_hour()
    {
        _statistics.Record("old", 10);
        _time.Advance(TimeSpan.FromSeconds(45));
        _statistics.Record("new", 20);

        Assert.Equal(2, Messages(OneMinute));

        _time.Advance(TimeSpan.FromSeconds(20)); // "old" is 65 s old

        Assert.Equal(["new"], Topics(OneMinute));
        Assert.Equal(20, _statistics.Top(OneMinute, 10).TotalBytes);
        Assert.Equal(["new", "old"], Topics(FiveMinutes).Order());
        Assert.Equal(["new", "old"], Topics(OneHour).Order());
    }

    [Fact]
    public void Message_older_than_five_minutes_stays_only_in_the_hour()
    {
        _statistics.Record("old", 10);
        _time.Advance(TimeSpan.FromMinutes(4));

        Assert.Equal(1, Messages(FiveMinutes));

        _time.Advance(TimeSpan.FromSeconds(65));

        Assert.Equal(0, Messages(OneMinute));
        Assert.Equal(0, Messages(FiveMinutes));
        Assert.Equal(["old"], Topics(OneHour));
    }

    [Fact]
    public void Message_older_than_an_hour_leaves_every_window()
    {
        _statistics.Record("old", 10);
        _time.Advance(TimeSpan.FromSeconds(3_595));

        Assert.Equal(["old"], Topics(OneHour));

        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.All(TopicStatistics.Windows, window => Assert.Equal(0, Messages(window)));
        Assert.Empty(Topics(OneHour));
    }

    [Fact]
    public void Messages_recorded_throughout_an_hour_are_all_in_the_hour_window()
    {
        for (var second = 0; second < 3_590; second += 7)
        {
            _statistics.Record($"t{second % 13}", 2);
            _time.Advance(TimeSpan.FromSeconds(7));
        }

        var hour = _statistics.Top(OneHour, 20);

        Assert.Equal(513, hour.TotalMessages);
        Assert.Equal(1_026, hour.TotalBytes);
        Assert.Equal(513, hour.Topics.Sum(t => t.Messages));
        Assert.All(hour.Topics, t => Assert.Equal(0, t.Error));
    }

    [Fact]
    public void Silence_of_a_few_minutes_counts_as_empty_buckets()
    {
        _statistics.Record("before", 1);
        _time.Advance(TimeSpan.FromSeconds(150));
        _statistics.Record("after", 1);

        Assert.Equal(["after"], Topics(OneMinute));
        Assert.Equal(["after", "before"], Topics(FiveMinutes).Order());
        Assert.Equal(["after", "before"], Topics(OneHour).Order());

        _time.Advance(TimeSpan.FromMinutes(4)); // "before" is 6.5 minutes old, "after" 4

        Assert.Equal(["after"], Topics(FiveMinutes));
        Assert.Equal(["after", "before"], Topics(OneHour).Order());
    }

    [Theory]
    [InlineData(61)]   // just past the hour: the loop over silent buckets
    [InlineData(90)]   // past the hour and the five minutes of ten-second buckets together
    [InlineData(600)]  // hours: the rings are emptied at once
    public void Silence_longer_than_an_hour_empties_every_window_and_counting_resumes(int minutes)
    {
        for (var i = 0; i < 100; i++)
        {
            _statistics.Record($"t{i % 20}", 1); // overflows capacity 10: minimums in every summary
            _time.Advance(TimeSpan.FromSeconds(3));
        }
        _time.Advance(TimeSpan.FromMinutes(minutes));

        Assert.All(TopicStatistics.Windows, window => Assert.Equal(0, Messages(window)));

        _statistics.Record("after", 5);

        Assert.All(TopicStatistics.Windows, window =>
            Assert.Equal([new TopicCount("after", 1, 5, 0)], _statistics.Top(window, 10).Topics));
    }

    [Fact]
    public void Silence_rotated_by_a_record_is_the_same_as_rotated_by_a_query()
    {
        var queried = new TopicStatistics(_time, capacity: 10);
        _statistics.Record("a", 1);
        queried.Record("a", 1);
        _time.Advance(TimeSpan.FromSeconds(95));
        queried.Top(OneMinute, 10);
        _statistics.Record("b", 1);
        queried.Record("b", 1);

        foreach (var window in TopicStatistics.Windows)
        {
            var byRecord = _statistics.Top(window, 10);
            var byQuery = queried.Top(window, 10);
            Assert.Equal(byRecord.Topics, byQuery.Topics);
            Assert.Equal(byRecord.TotalMessages, byQuery.TotalMessages);
            Assert.Equal(byRecord.Covered, byQuery.Covered);
        }
    }

    [Fact]
    public void Covered_grows_from_zero_after_start_up_to_each_window()
    {
        Assert.All(TopicStatistics.Windows, window => Assert.Equal(TimeSpan.Zero, Covered(window)));

        _time.Advance(TimeSpan.FromSeconds(3));
        Assert.All(TopicStatistics.Windows, window => Assert.Equal(TimeSpan.FromSeconds(3), Covered(window)));

        _time.Advance(TimeSpan.FromSeconds(22));
        Assert.All(TopicStatistics.Windows, window => Assert.Equal(TimeSpan.FromSeconds(25), Covered(window)));

        _time.Advance(TimeSpan.FromSeconds(40)); // 65 s: the minute window is the last 5 buckets and 5 s
        Assert.Equal(TimeSpan.FromSeconds(55), Covered(OneMinute));
        Assert.Equal(TimeSpan.FromSeconds(65), Covered(FiveMinutes));
        Assert.Equal(TimeSpan.FromSeconds(65), Covered(OneHour));

        _time.Advance(TimeSpan.FromSeconds(7_235 - 65)); // 2 h 35 s
        Assert.Equal(TimeSpan.FromSeconds(55), Covered(OneMinute));
        Assert.Equal(TimeSpan.FromSeconds(295), Covered(FiveMinutes));
        Assert.Equal(TimeSpan.FromSeconds(59 * 60 + 35), Covered(OneHour));
    }

    [Fact]
    public void Covered_is_all_the_time_since_start_or_the_window_less_at_most_one_summary()
    {
        for (var second = 0; second <= 4_000; second += 3)
        {
            var elapsed = TimeSpan.FromSeconds(second);
            foreach (var window in TopicStatistics.Windows)
            {
                // The hour is made of one-minute summaries, the other windows of 10 s buckets.
                var summary = window == OneHour ? TimeSpan.FromMinutes(1) : TimeSpan.FromSeconds(10);
                var shortest = window - summary < elapsed ? window - summary : elapsed;
                var longest = window < elapsed ? window : elapsed;
                Assert.InRange(Covered(window), shortest, longest);
            }
            _time.Advance(TimeSpan.FromSeconds(3));
        }
    }

    private long Messages(TimeSpan window) => _statistics.Top(window, 10).TotalMessages;

    private string[] Topics(TimeSpan window) => _statistics.Top(window, 10).Topics.Select(t => t.Topic).ToArray();

    private TimeSpan Covered(TimeSpan window) => _statistics.Top(window, 10).Covered;
}

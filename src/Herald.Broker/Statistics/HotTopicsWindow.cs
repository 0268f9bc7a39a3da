namespace Herald.Broker.Statistics;

/// <summary>The busiest topics over one of <see cref="TopicStatistics.Windows"/>.</summary>
/// <param name="Window">The window asked for: 1, 5 or 60 minutes.</param>
/// <param name="Covered">
/// The span of time the counts actually cover, up to now: at most <paramref name="Window"/> and at
/// most the time since start; short of the window by less than 10 s (1 minute for the hour) once
/// the window has passed since start.
/// </param>
/// <param name="TotalMessages">Every message recorded in <paramref name="Covered"/>, exact.</param>
/// <param name="TotalBytes">Every byte recorded in <paramref name="Covered"/>, exact.</param>
/// <param name="ErrorBound">
/// ⌈N/K⌉ for N = <paramref name="TotalMessages"/> and K the capacity: no listed topic's
/// <see cref="TopicCount.Error"/> exceeds it, and every topic with more than 2N/K messages is among
/// the first K of <paramref name="Topics"/>.
/// </param>
/// <param name="Topics">The busiest topics by <see cref="TopicCount.Messages"/>, descending.</param>
public sealed record HotTopicsWindow(
    TimeSpan Window,
    TimeSpan Covered,
    long TotalMessages,
    long TotalBytes,
    long ErrorBound,
    IReadOnlyList<TopicCount> Topics);

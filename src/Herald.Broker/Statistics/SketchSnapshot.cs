namespace Herald.Broker.Statistics;

/// <summary>
/// A closed, immutable Space-Saving summary: a 10 s bucket, a merged minute, or a whole window.
/// </summary>
/// <param name="Topics">The counters kept; each true count is within [Messages − Error, Messages].</param>
/// <param name="Messages">Every message the summary covers, exact.</param>
/// <param name="Bytes">Every byte the summary covers, exact.</param>
/// <param name="MinimumMessages">
/// The most messages a topic not in <paramref name="Topics"/> can have had (the sketch's smallest
/// counter once a topic was evicted, 0 until then), and at least every listed topic's Error.
/// </param>
/// <param name="MinimumBytes">The bytes of that smallest counter, the byte estimate for a topic not listed.</param>
internal sealed record SketchSnapshot(
    TopicCount[] Topics,
    long Messages,
    long Bytes,
    long MinimumMessages,
    long MinimumBytes)
{
    /// <summary>A bucket in which nothing was published; shared, as silence is common.</summary>
    public static readonly SketchSnapshot Empty = new([], 0, 0, 0, 0);

    /// <summary>Closes the sketch's current counts into a snapshot; the sketch is left as it was.</summary>
    public static SketchSnapshot Of(SpaceSaving sketch)
    {
        if (sketch.TotalMessages == 0)
            return Empty;
        var topics = sketch.Snapshot();
        var minimum = topics[0];
        var evicted = false; // a topic that took over a counter inherited at least 1 as its error
        foreach (var count in topics)
        {
            if (count.Messages < minimum.Messages)
                minimum = count;
            evicted |= count.Error > 0;
        }
        return evicted
            ? new SketchSnapshot(topics, sketch.TotalMessages, sketch.TotalBytes, minimum.Messages, minimum.Bytes)
            : new SketchSnapshot(topics, sketch.TotalMessages, sketch.TotalBytes, 0, 0); // exact: an unlisted topic had none
    }
}

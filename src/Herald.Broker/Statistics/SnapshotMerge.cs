using System.Runtime.InteropServices;

namespace Herald.Broker.Statistics;

/// <summary>
/// Merges Space-Saving summaries of consecutive buckets into one summary of them all, as the
/// parallel Space-Saving merge of Cafaro, Pulimeno and Tempesta (2016).
///
/// A topic's merged count is, over the parts, its count where it is listed plus the part's
/// minimum where it is not (the most it can have had there); its Error is, likewise, its counter
/// errors plus those minimums. So true ∈ [Messages − Error, Messages] still holds, and Error is at
/// most the sum of the parts' minimums. A topic listed in no part gets exactly that sum, which
/// becomes the merged minimum.
///
/// Truncating to K entries keeps the K largest counts; the largest one dropped becomes the
/// merged minimum (every dropped topic had at most that). This keeps the bound minimum ≤ N/K:
/// seen as Misra-Gries counters g = Messages − minimum, each part satisfies K·minimum ≤ N − Σg
/// (with equality for a raw sketch, whose counts sum to N), summing parts keeps it, and dropping
/// all but the K largest, which lowers every g by the (K+1)-th largest one, C, takes at least
/// (K+1)·C off Σg while adding C to the minimum (Agarwal et al., "Mergeable Summaries", 2012).
/// </summary>
internal static class SnapshotMerge
{
    private static readonly Comparison<TopicCount> ByMessagesDescending = static (a, b) =>
        a.Messages != b.Messages ? b.Messages.CompareTo(a.Messages) : string.CompareOrdinal(a.Topic, b.Topic);

    /// <summary>
    /// The merge of <paramref name="parts"/>, its topics ordered by Messages descending (then by
    /// name), at most <paramref name="keep"/> of them.
    /// </summary>
    public static SketchSnapshot Combine(ReadOnlySpan<SketchSnapshot> parts, int keep)
    {
        long messages = 0, bytes = 0, minimumMessages = 0, minimumBytes = 0;
        var entries = 0;
        foreach (var part in parts)
        {
            messages += part.Messages;
            bytes += part.Bytes;
            minimumMessages += part.MinimumMessages;
            minimumBytes += part.MinimumBytes;
            entries += part.Topics.Length;
        }
        if (messages == 0)
            return SketchSnapshot.Empty;

        var sums = new Dictionary<string, Sum>(entries, StringComparer.Ordinal);
        foreach (var part in parts)
        {
            foreach (var count in part.Topics)
            {
                ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(sums, count.Topic, out _);
                sum.Messages += count.Messages;
                sum.Bytes += count.Bytes;
                sum.Error += count.Error;
                sum.ListedMinimumMessages += part.MinimumMessages;
                sum.ListedMinimumBytes += part.MinimumBytes;
            }
        }

        var topics = new TopicCount[sums.Count];
        var i = 0;
        foreach (var (topic, sum) in sums)
        {
            // Where the topic is not listed, the part's minimum stands in for its count.
            var unlistedMessages = minimumMessages - sum.ListedMinimumMessages;
            var unlistedBytes = minimumBytes - sum.ListedMinimumBytes;
            topics[i++] = new TopicCount(topic, sum.Messages + unlistedMessages, sum.Bytes + unlistedBytes, sum.Error + unlistedMessages);
        }
        Array.Sort(topics, ByMessagesDescending);

        if (topics.Length <= keep)
            return new SketchSnapshot(topics, messages, bytes, minimumMessages, minimumBytes);
        var largestDropped = topics[keep];
        return new SketchSnapshot(topics[..keep], messages, bytes, largestDropped.Messages, largestDropped.Bytes);
    }

    private struct Sum
    {
        public long Messages;
        public long Bytes;
        public long Error;
        public long ListedMinimumMessages; // the minimums of the parts that list the topic
        public long ListedMinimumBytes;
    }
}

namespace Herald.Protocol;

/// <summary>
/// The topic names one connection published to last, so a publisher that repeats its topics
/// (most do) gets them decoded and validated once instead of a new string per PUBLISH.
/// Only ASCII topics are kept: they compare byte for char without decoding, so a miss costs no
/// allocation beyond the string the PUBLISH needs anyway. Not thread-safe: one read loop owns it.
/// </summary>
public sealed class TopicCache
{
    private const int Capacity = 8;
    private readonly string?[] _topics = new string?[Capacity];
    private int _next;

    public bool TryGet(ReadOnlySpan<byte> utf8, out string topic)
    {
        foreach (var candidate in _topics)
        {
            if (candidate is not null && IsAsciiEqual(utf8, candidate))
            {
                topic = candidate;
                return true;
            }
        }
        topic = "";
        return false;
    }

    /// <summary>Remembers a topic already decoded and validated, if it is ASCII.</summary>
    public void Add(string topic)
    {
        if (!System.Text.Ascii.IsValid(topic))
            return;
        _topics[_next] = topic;
        _next = (_next + 1) % Capacity;
    }

    private static bool IsAsciiEqual(ReadOnlySpan<byte> utf8, string topic)
    {
        if (utf8.Length != topic.Length)
            return false;
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] != topic[i])
                return false;
        }
        return true;
    }
}

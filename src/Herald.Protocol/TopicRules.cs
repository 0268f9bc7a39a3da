namespace Herald.Protocol;

/// <summary>Topic name and topic filter rules of section 4.7.</summary>
public static class TopicRules
{
    public const char LevelSeparator = '/';
    public const char SingleLevelWildcard = '+';
    public const char MultiLevelWildcard = '#';

    /// <summary>A topic name a PUBLISH may carry: not empty, no wildcards [MQTT-4.7.3-1] [MQTT-3.3.2-2].</summary>
    public static bool IsValidTopicName(ReadOnlySpan<char> topic) =>
        topic.Length > 0 && topic.IndexOfAny(SingleLevelWildcard, MultiLevelWildcard) < 0;

    /// <summary>
    /// A topic filter a SUBSCRIBE may carry: not empty [MQTT-4.7.3-1]; '#' alone in the last level
    /// [MQTT-4.7.1-2]; '+' alone in its level [MQTT-4.7.1-3].
    /// </summary>
    public static bool IsValidTopicFilter(ReadOnlySpan<char> filter)
    {
        if (filter.Length == 0)
            return false;
        for (var i = 0; i < filter.Length; i++)
        {
            var c = filter[i];
            if (c != SingleLevelWildcard && c != MultiLevelWildcard)
                continue;
            var alone = (i == 0 || filter[i - 1] == LevelSeparator)
                && (i == filter.Length - 1 || filter[i + 1] == LevelSeparator);
            if (!alone)
                return false;
            if (c == MultiLevelWildcard && i != filter.Length - 1)
                return false;
        }
        return true;
    }

    /// <summary>
    /// Whether a topic name matches a filter (section 4.7): '+' one level, '#' the rest and the
    /// parent level; a filter starting with a wildcard does not match a '$' topic [MQTT-4.7.2-1].
    /// </summary>
    public static bool Matches(ReadOnlySpan<char> filter, ReadOnlySpan<char> topic)
    {
        if (topic.Length > 0 && topic[0] == '$' && filter.Length > 0 && filter[0] is SingleLevelWildcard or MultiLevelWildcard)
            return false;
        while (true)
        {
            var filterLevel = NextLevel(ref filter, out var filterDone);
            if (filterLevel is [MultiLevelWildcard])
                return true;
            var topicLevel = NextLevel(ref topic, out var topicDone);
            if (!(filterLevel is [SingleLevelWildcard] || filterLevel.SequenceEqual(topicLevel)))
                return false;
            if (filterDone || topicDone)
                return filterDone && topicDone || (topicDone && filter is [MultiLevelWildcard]);
        }
    }

    /// <summary>
    /// Whether every topic <paramref name="inner"/> can match is matched by <paramref name="outer"/>:
    /// "a/#" covers "a/+/c", "a/+" does not cover "a/#". How an ACL filter bounds a subscription.
    /// </summary>
    public static bool Covers(ReadOnlySpan<char> outer, ReadOnlySpan<char> inner)
    {
        if (inner.Length > 0 && inner[0] == '$' && outer.Length > 0 && outer[0] is SingleLevelWildcard or MultiLevelWildcard)
            return false;
        while (true)
        {
            var outerLevel = NextLevel(ref outer, out var outerDone);
            if (outerLevel is [MultiLevelWildcard])
                return true;
            var innerLevel = NextLevel(ref inner, out var innerDone);
            if (innerLevel is [MultiLevelWildcard])
                return false;
            if (!(outerLevel is [SingleLevelWildcard] || outerLevel.SequenceEqual(innerLevel)))
                return false;
            if (outerDone || innerDone)
                return outerDone && innerDone || (innerDone && outer is [MultiLevelWildcard]);
        }
    }

    /// <summary>Takes the first level off <paramref name="rest"/>; <paramref name="last"/> when it was the last.</summary>
    private static ReadOnlySpan<char> NextLevel(ref ReadOnlySpan<char> rest, out bool last)
    {
        var end = rest.IndexOf(LevelSeparator);
        if (end < 0)
        {
            var level = rest;
            rest = [];
            last = true;
            return level;
        }
        var head = rest[..end];
        rest = rest[(end + 1)..];
        last = false;
        return head;
    }

    public const string SharePrefix = "$share/";

    /// <summary>A shared subscription filter: <c>$share/{ShareName}/{filter}</c> (section 4.8.2).</summary>
    public static bool IsShared(string filter) => filter.StartsWith(SharePrefix, StringComparison.Ordinal);

    /// <summary>
    /// Splits <c>$share/{ShareName}/{filter}</c>. False when the share name is empty or holds '/',
    /// '+' or '#' [MQTT-4.8.2-1], or the filter after it is missing or invalid [MQTT-4.8.2-2].
    /// </summary>
    public static bool TrySplitShared(string filter, out string shareName, out string topicFilter)
    {
        shareName = topicFilter = "";
        if (!IsShared(filter))
            return false;
        var rest = filter.AsSpan(SharePrefix.Length);
        var slash = rest.IndexOf(LevelSeparator);
        if (slash <= 0)
            return false;
        var name = rest[..slash];
        if (name.IndexOfAny(SingleLevelWildcard, MultiLevelWildcard) >= 0)
            return false;
        var inner = rest[(slash + 1)..];
        if (!IsValidTopicFilter(inner))
            return false;
        shareName = name.ToString();
        topicFilter = inner.ToString();
        return true;
    }

    /// <summary>Topics starting with '$' are not matched by filters starting with a wildcard [MQTT-4.7.2-1].</summary>
    public static bool IsSystemTopic(ReadOnlySpan<char> topic) => topic.Length > 0 && topic[0] == '$';
}

using Herald.Server.Api;

namespace Herald.Server.Hosting;

/// <summary>What one node of a cluster tells the others every second: its counts and its busiest topics per window.</summary>
public sealed record NodeStatus(string Node, DateTimeOffset At, StatsApi.Stats Stats, Dictionary<string, List<NodeStatus.TopicCount>> HotTopics)
{
    public sealed record TopicCount(string Topic, long Messages, long Bytes);
}

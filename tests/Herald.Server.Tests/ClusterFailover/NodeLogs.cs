using Herald.Server.Tests.Durability;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>What the nodes logged, for failure messages and for the events a test waits on.</summary>
public static class NodeLogs
{
    /// <summary>Each node's log lines that contain <paramref name="text"/>, under the node's index.</summary>
    public static string Mentioning(IReadOnlyList<HeraldProcess> nodes, string text)
    {
        var lines = new List<string>();
        for (var i = 0; i < nodes.Count; i++)
        {
            foreach (var line in nodes[i].Transcript.Split('\n'))
            {
                if (line.Contains(text, StringComparison.Ordinal))
                    lines.Add($"node-{i}: {line.Trim()}");
            }
        }
        return lines.Count > 0 ? string.Join('\n', lines) : $"(no node logged a line with {text})";
    }

    /// <summary>The index of the first node whose log has a line with <paramref name="text"/>, or null.</summary>
    public static int? FirstWith(IReadOnlyList<HeraldProcess> nodes, string text)
    {
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i].Transcript.Contains(text, StringComparison.Ordinal))
                return i;
        }
        return null;
    }
}

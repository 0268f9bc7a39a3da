namespace Herald.Server.Configuration;

/// <summary><c>Herald:HotTopics</c>: the per-topic statistics behind <c>/api/v1/topics/hot</c>.</summary>
public sealed class HotTopicsOptions
{
    /// <summary>
    /// Counters per ten-second bucket (K): memory is about 91·K entries, and a count in a window of
    /// N messages is off by at most N/K.
    /// </summary>
    public int Capacity { get; set; } = 1000;
}

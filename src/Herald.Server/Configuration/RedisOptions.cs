namespace Herald.Server.Configuration;

/// <summary>The <c>Herald:Redis</c> section.</summary>
public sealed class RedisOptions
{
    /// <summary>A StackExchange.Redis configuration string, e.g. "localhost:6379" or "redis1:6379,password=...".</summary>
    public string Configuration { get; set; } = "localhost:6379";
}

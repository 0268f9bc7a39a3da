using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Monitoring;

/// <summary>A server whose API takes <see cref="Key"/> (every scope) and <see cref="ReadKey"/> (read scope only), with no $SYS publications.</summary>
public sealed class MonitoringServer() : HeraldServer(null, Arguments("--Herald:Sys:IntervalSeconds=0"))
{
    public const string Key = "monitoring-tests-key";
    public const string ReadKey = "monitoring-tests-read-key";
    public const string PublishKey = "monitoring-tests-publish-key";

    /// <summary>The keys' settings, and <paramref name="extraArgs"/>.</summary>
    public static string[] Arguments(params string[] extraArgs) =>
    [
        $"--Herald:Http:ApiKey={Key}",
        $"--Herald:Http:ApiKeys:0:Key={ReadKey}",
        "--Herald:Http:ApiKeys:0:Scopes:0=read",
        $"--Herald:Http:ApiKeys:1:Key={PublishKey}",
        "--Herald:Http:ApiKeys:1:Scopes:0=publish",
        .. extraArgs,
    ];
}

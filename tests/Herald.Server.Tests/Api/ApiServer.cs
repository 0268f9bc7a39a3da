using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Api;

/// <summary>
/// A server whose HTTP API takes three keys: <see cref="AdminKey"/> (<c>Herald:Http:ApiKey</c>,
/// every scope), <see cref="PublishKey"/> (publish scope only) and <see cref="ReadKey"/> (read only).
/// </summary>
public sealed class ApiServer() : HeraldServer(null, KeyArguments)
{
    public const string AdminKey = "api-tests-admin-key";
    public const string PublishKey = "api-tests-publish-only-key";
    public const string ReadKey = "api-tests-read-only-key";

    public static readonly string[] KeyArguments =
    [
        $"--Herald:Http:ApiKey={AdminKey}",
        $"--Herald:Http:ApiKeys:0:Key={PublishKey}",
        "--Herald:Http:ApiKeys:0:Scopes:0=publish",
        $"--Herald:Http:ApiKeys:1:Key={ReadKey}",
        "--Herald:Http:ApiKeys:1:Scopes:0=read",
    ];

    /// <summary>Starts a server of a test's own with the same keys and <paramref name="extraArgs"/>.</summary>
    public static Task<HeraldServer> StartWithKeysAsync(TimeProvider? time, params string[] extraArgs) =>
        StartAsync(time, null, [.. KeyArguments, .. extraArgs]);

    /// <summary>Starts a server of a test's own whose state lives in <paramref name="dataDir"/>, to start another on it later.</summary>
    public static Task<HeraldServer> StartOnAsync(string dataDir, params string[] extraArgs) =>
        StartWithKeysAsync(null, [$"--Herald:DataDir={dataDir}", .. extraArgs]);
}

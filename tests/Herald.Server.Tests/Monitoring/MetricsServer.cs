using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Monitoring;

/// <summary>
/// A server for <c>/metrics</c>: the SQLite store (the default), no $SYS publications, and a
/// queue of <see cref="MaxQueuedMessages"/> per session so a test can make it drop.
/// </summary>
public sealed class MetricsServer() : HeraldServer(null, "--Herald:Sys:IntervalSeconds=0", $"--Herald:Mqtt:MaxQueuedMessages={MaxQueuedMessages}")
{
    public const int MaxQueuedMessages = 2;
}

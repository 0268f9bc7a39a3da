using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Monitoring;

/// <summary>A server with the <see cref="MonitoringServer"/> keys that publishes $SYS every second, which hot topics must leave out.</summary>
public sealed class HotTopicsServer() : HeraldServer(null, MonitoringServer.Arguments("--Herald:Sys:IntervalSeconds=1"));

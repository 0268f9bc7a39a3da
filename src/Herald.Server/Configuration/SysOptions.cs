namespace Herald.Server.Configuration;

/// <summary><c>Herald:Sys</c>: the <c>$SYS/broker/...</c> topics.</summary>
public sealed class SysOptions
{
    /// <summary>Seconds between publications, as Mosquitto's sys_interval; 0 publishes none.</summary>
    public int IntervalSeconds { get; set; } = 10;
}

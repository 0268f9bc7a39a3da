namespace Herald.Broker.Tests.Harness;

/// <summary>A PINGRESP the broker sent.</summary>
internal sealed record PingResp
{
    public static PingResp Instance { get; } = new();
}

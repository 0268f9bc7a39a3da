namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// A server that accepts packets of at most 1 KiB, so any 4 KiB of garbage is rejected at once
/// instead of being read as the start of one huge packet that never completes.
/// </summary>
public sealed class SmallPacketServer() : HeraldServer(null, $"--Herald:Mqtt:MaxPacketSize={MaxPacketSize}")
{
    public const int MaxPacketSize = 1024;
}

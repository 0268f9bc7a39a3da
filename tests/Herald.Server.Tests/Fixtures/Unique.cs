namespace Herald.Server.Tests.Fixtures;

/// <summary>Client ids and topics no other test uses, so tests can share a server.</summary>
public static class Unique
{
    /// <summary>A client id of at most 23 characters, the MQTT 3.1 limit.</summary>
    public static string ClientId(string prefix) => $"{prefix[..Math.Min(prefix.Length, 8)]}-{Guid.NewGuid():N}"[..23];

    public static string Topic(string prefix) => $"test/{prefix}/{Guid.NewGuid():N}";
}

namespace Herald.Broker.Auth;

/// <summary>
/// The bans in force, replaced whole when they change. A banned client's CONNECT is refused
/// (MQTT 5: 0x8A Banned, 3.1.1: 0x05 Not authorized) and a connected one is closed when its ban
/// arrives (MQTT 5: DISCONNECT 0x98 Administrative action).
/// </summary>
public sealed class BanList(IReadOnlyList<Ban> bans)
{
    public static BanList Empty { get; } = new([]);

    public IReadOnlyList<Ban> Bans { get; } = bans;

    public Ban? Find(string clientId, string? username, string address, DateTimeOffset now)
    {
        foreach (var ban in Bans)
        {
            var value = ban.Kind switch
            {
                BanKind.ClientId => clientId,
                BanKind.Username => username,
                _ => address,
            };
            if (value == ban.Value && ban.IsActive(now))
                return ban;
        }
        return null;
    }
}

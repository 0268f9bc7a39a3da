namespace Herald.Broker.Auth;

/// <summary>What a ban names.</summary>
public enum BanKind
{
    ClientId,
    Username,

    /// <summary>A source IP address.</summary>
    Address,
}

/// <summary>A client kept out until <see cref="Until"/> (for ever when null), with the operator's reason.</summary>
public sealed record Ban(long Id, BanKind Kind, string Value, DateTimeOffset? Until, string? Reason)
{
    public bool IsActive(DateTimeOffset now) => Until is not { } until || now < until;

    /// <summary>An IP address written as connections report theirs (<c>ClientConnection.RemoteAddress</c>), so a ban matches; false when it is none.</summary>
    public static bool TryNormalizeAddress(string text, out string address)
    {
        var parsed = System.Net.IPAddress.TryParse(text, out var ip);
        address = parsed ? ip!.ToString() : text;
        return parsed;
    }
}

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
}

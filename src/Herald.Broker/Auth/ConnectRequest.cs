using Herald.Protocol;

namespace Herald.Broker.Auth;

/// <summary>
/// What a client presents for an <see cref="IAuthenticator"/> to judge: CONNECT's credentials, and
/// for MQTT 5 enhanced authentication the method and the data of this step of the exchange.
/// </summary>
public sealed record ConnectRequest(string ClientId, string? Username, byte[]? Password, string RemoteEndPoint)
{
    public ProtocolVersion Version { get; init; } = ProtocolVersion.V311;

    /// <summary>MQTT 5 Authentication Method; null for plain username and password.</summary>
    public string? AuthenticationMethod { get; init; }

    /// <summary>The Authentication Data of this step: from CONNECT first, then from each AUTH.</summary>
    public byte[]? AuthenticationData { get; init; }

    /// <summary>0 for CONNECT, then one more for each AUTH of the exchange.</summary>
    public int Step { get; init; }

    /// <summary>The name in the client's TLS certificate, already verified against the trusted client CAs.</summary>
    public string? CertificateIdentity { get; init; }

    /// <summary>True when a connected client started re-authentication (AUTH 0x19).</summary>
    public bool IsReauthentication { get; init; }
}

namespace Herald.Server.Configuration;

/// <summary><c>Herald:Http</c>: the HTTP listener (health, metrics, MQTT over WebSocket, the API and the dashboard).</summary>
public sealed class HttpListenerOptions
{
    public int Port { get; set; } = 8080;

    /// <summary>HTTPS (and secure WebSocket), on the same address; on only when there is a certificate (<c>Herald:Tls</c>).</summary>
    public int TlsPort { get; set; } = 8443;

    /// <summary>"localhost" (loopback, the default), "*" (every interface) or an IP address.</summary>
    public string Address { get; set; } = ListenAddress.Localhost;

    /// <summary>
    /// The key of every scope for the API (<c>/api/...</c>) and the dashboard; with no key at all
    /// the API answers 403 to everyone.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>More keys, each limited to some scopes.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
}

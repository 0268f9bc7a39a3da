namespace Herald.Server.Configuration;

/// <summary><c>Herald:Http</c>: the HTTP listener (health, MQTT over WebSocket, and later the API and dashboard).</summary>
public sealed class HttpListenerOptions
{
    public int Port { get; set; } = 8080;

    /// <summary>HTTPS (and secure WebSocket), on the same address; on only when there is a certificate (<c>Herald:Tls</c>).</summary>
    public int TlsPort { get; set; } = 8443;

    /// <summary>"localhost" (loopback, the default), "*" (every interface) or an IP address.</summary>
    public string Address { get; set; } = ListenAddress.Localhost;

    /// <summary>The key the admin API (<c>/api/...</c>) asks for; unset, the admin API answers 403 to everyone.</summary>
    public string? ApiKey { get; set; }
}

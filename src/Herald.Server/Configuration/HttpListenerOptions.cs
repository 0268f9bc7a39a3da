namespace Herald.Server.Configuration;

/// <summary><c>Herald:Http</c>: the HTTP listener (health, and later the API and dashboard).</summary>
public sealed class HttpListenerOptions
{
    public int Port { get; set; } = 8080;

    /// <summary>"localhost" (loopback, the default), "*" (every interface) or an IP address.</summary>
    public string Address { get; set; } = ListenAddress.Localhost;
}

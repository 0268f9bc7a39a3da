namespace Herald.Server.Configuration;

/// <summary>The <c>Herald</c> configuration section.</summary>
public sealed class HeraldOptions
{
    public const string Section = "Herald";

    /// <summary>Where durable state lives: the SQLite database herald.db, the self-signed certificate.</summary>
    public string DataDir { get; set; } = "./data";

    public StorageOptions Storage { get; set; } = new();

    public MqttListenerOptions Mqtt { get; set; } = new();

    public HttpListenerOptions Http { get; set; } = new();

    public TlsOptions Tls { get; set; } = new();
}

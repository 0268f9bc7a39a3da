namespace Herald.Server.Configuration;

/// <summary>The <c>Herald</c> configuration section.</summary>
public sealed class HeraldOptions
{
    public const string Section = "Herald";

    /// <summary>Where durable state lives (the SQLite store of a later issue).</summary>
    public string DataDir { get; set; } = "./data";

    public MqttListenerOptions Mqtt { get; set; } = new();

    public HttpListenerOptions Http { get; set; } = new();

    public TlsOptions Tls { get; set; } = new();
}

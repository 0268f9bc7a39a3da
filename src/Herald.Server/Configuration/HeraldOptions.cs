namespace Herald.Server.Configuration;

/// <summary>The <c>Herald</c> configuration section.</summary>
public sealed class HeraldOptions
{
    public const string Section = "Herald";

    /// <summary>Where durable state lives: the SQLite database herald.db, the self-signed certificate.</summary>
    public string DataDir { get; set; } = "./data";

    public StorageOptions Storage { get; set; } = new();

    public AuthOptions Auth { get; set; } = new();

    public RedisOptions Redis { get; set; } = new();

    public ClusterOptions Cluster { get; set; } = new();

    /// <summary>This node's name in the cluster: as configured, else the host name and MQTT port.</summary>
    public string NodeId => Cluster.NodeId is { Length: > 0 } id ? id : $"{Environment.MachineName}-{Mqtt.Port}";

    public List<AutoSubscribeOptions> AutoSubscribe { get; set; } = [];

    public SysOptions Sys { get; set; } = new();

    public HotTopicsOptions HotTopics { get; set; } = new();

    public PushOptions Push { get; set; } = new();

    public InboxOptions Inbox { get; set; } = new();

    /// <summary>True when every listener (MQTT and HTTP, which carries MQTT over WebSocket) is on loopback.</summary>
    public bool IsLoopbackOnly => ListenAddress.IsLoopback(Mqtt.Address) && ListenAddress.IsLoopback(Http.Address);

    /// <summary>Whether clients without a username get in: as configured, else only on loopback.</summary>
    public bool AllowsAnonymous => Auth.AllowAnonymous ?? IsLoopbackOnly;

    public MqttListenerOptions Mqtt { get; set; } = new();

    public HttpListenerOptions Http { get; set; } = new();

    public TlsOptions Tls { get; set; } = new();
}

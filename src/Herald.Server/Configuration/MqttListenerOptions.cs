namespace Herald.Server.Configuration;

/// <summary><c>Herald:Mqtt</c>: the MQTT listener and the engine's limits.</summary>
public sealed class MqttListenerOptions
{
    public int Port { get; set; } = 1883;

    /// <summary>MQTT over TLS, on the same address; on only when there is a certificate (<c>Herald:Tls</c>).</summary>
    public int TlsPort { get; set; } = 8883;

    /// <summary>"localhost" (loopback, the default), "*" (every interface) or an IP address.</summary>
    public string Address { get; set; } = ListenAddress.Localhost;

    /// <summary>
    /// What carries plain-TCP MQTT: Herald's own epoll loops (Linux, the default there) or
    /// Kestrel's socket transport (elsewhere). TLS and WebSocket always go through Kestrel.
    /// </summary>
    public MqttTransport Transport { get; set; } = OperatingSystem.IsLinux() ? MqttTransport.Epoll : MqttTransport.Kestrel;

    /// <summary>Event loops (threads) of the epoll transport; 0 means one per core.</summary>
    public int TransportThreads { get; set; }

    /// <summary>Connections a wave must add before memory is trimmed once it settles (see MemoryTrim); 0 never trims.</summary>
    public int MemoryTrimAfterConnections { get; set; } = 10_000;

    public int ConnectTimeoutSeconds { get; set; } = 10;

    public int MaxInflightMessages { get; set; } = 100;

    public int MaxQueuedMessages { get; set; } = 1000;

    public long MaxQueuedBytes { get; set; } = 16 * 1024 * 1024;

    public int PurgeIntervalSeconds { get; set; } = 60;

    /// <summary>0 means no limit.</summary>
    public int MaxConnections { get; set; }

    /// <summary>Connections from one IP address; 0 means no limit.</summary>
    public int MaxConnectionsPerAddress { get; set; }

    public int MaxPacketSize { get; set; } = 268_435_460;

    /// <summary>MQTT 5 Receive Maximum announced to clients: QoS 2 messages each may have unreleased.</summary>
    public int ReceiveMaximum { get; set; } = 100;

    /// <summary>MQTT 5 Topic Alias Maximum announced to clients; 0 refuses inbound aliases.</summary>
    public int TopicAliasMaximum { get; set; } = 10;

    /// <summary>Set topic aliases on PUBLISH to MQTT 5 clients that allow them.</summary>
    public bool OutboundTopicAliases { get; set; }

    /// <summary>PUBLISH packets per second one connection may send; 0 means no limit.</summary>
    public int MaxPublishRate { get; set; }

    /// <summary>MQTT 5 Server Keep Alive in seconds; 0 lets each client choose.</summary>
    public int ServerKeepAlive { get; set; }
}

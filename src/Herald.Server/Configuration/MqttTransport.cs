namespace Herald.Server.Configuration;

/// <summary><c>Herald:Mqtt:Transport</c>: what carries plain-TCP MQTT.</summary>
public enum MqttTransport
{
    /// <summary>Herald's epoll loops: a few hundred bytes per idle connection. Linux only.</summary>
    Epoll,

    /// <summary>Kestrel's socket transport, as TLS and WebSocket use.</summary>
    Kestrel,
}

namespace Herald.Broker.Connections;

/// <summary>Why a connection ended. Every reason but <see cref="ClientDisconnected"/> publishes the will.</summary>
public enum DisconnectReason
{
    /// <summary>The client sent DISCONNECT: the will is discarded [MQTT-3.14.4-3].</summary>
    ClientDisconnected,

    /// <summary>The MQTT 5 client sent DISCONNECT 0x04: the will is published.</summary>
    ClientDisconnectedWithWill,

    /// <summary>Re-authentication failed.</summary>
    AuthenticationFailed,

    /// <summary>The network connection closed without DISCONNECT.</summary>
    ConnectionLost,

    /// <summary>The client sent a malformed packet or broke the protocol.</summary>
    ProtocolError,

    /// <summary>No packet within one and a half keep-alive periods [MQTT-3.1.2-24].</summary>
    KeepAliveTimeout,

    /// <summary>No CONNECT within the connect timeout.</summary>
    ConnectTimeout,

    /// <summary>CONNECT was refused with a non-zero return code.</summary>
    ConnectRefused,

    /// <summary>Another connection connected with the same client id [MQTT-3.1.4-2].</summary>
    SessionTakenOver,

    /// <summary>The client published faster than <see cref="BrokerOptions.MaxPublishRate"/> allows.</summary>
    PublishRateExceeded,

    /// <summary>The server is stopping.</summary>
    ServerShutdown,

    /// <summary>An operator banned the client (by client id, username or address).</summary>
    Banned,

    /// <summary>An operator disconnected the client through the admin API.</summary>
    Kicked,
}

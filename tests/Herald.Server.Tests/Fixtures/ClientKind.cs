namespace Herald.Server.Tests.Fixtures;

/// <summary>The three independent MQTT client implementations the server is tested against.</summary>
public enum ClientKind
{
    /// <summary>MQTTnet 5, in this process.</summary>
    MQTTnet,

    /// <summary>Debian's mosquitto_pub and mosquitto_sub (libmosquitto, C).</summary>
    Mosquitto,

    /// <summary>Debian's python3-paho-mqtt.</summary>
    Paho,
}

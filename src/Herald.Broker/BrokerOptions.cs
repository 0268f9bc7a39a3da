namespace Herald.Broker;

/// <summary>Engine limits. The server binds these from <c>Herald:Mqtt</c> and validates them at startup.</summary>
public sealed class BrokerOptions
{
    /// <summary>How long a new connection may take to send CONNECT before it is closed.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Unacknowledged QoS 1/2 messages in flight to one client; more wait in its queue. Wider than
    /// Mosquitto's 20 because the window bounds a subscriber's rate to one window per round trip:
    /// measured with herald-bench fan-in 20:1 QoS 1, 100 gave 1.5 times the rate of 20.
    /// </summary>
    public int MaxInflightMessages { get; set; } = 100;

    /// <summary>
    /// Messages one client may have waiting: QoS 1/2 messages queued behind the in-flight window
    /// or while it is offline, and QoS 0 messages not yet written to its socket. When full an
    /// MQTT 5 publisher is told 0x97 Quota exceeded; otherwise the oldest queued QoS 1/2 message,
    /// or the new QoS 0 message, is dropped. Either way it is counted and logged once per client.
    /// </summary>
    public int MaxQueuedMessages { get; set; } = 1000;

    /// <summary>
    /// Bytes (topic, payload, properties) of the QoS 1/2 messages one session may have queued;
    /// the second bound of the queue, with the same policy when full.
    /// </summary>
    public long MaxQueuedBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Subscriptions every session gets on connect, as templates: <c>${clientid}</c> and
    /// <c>${username}</c> in the filter stand for the client's (see <see cref="Handlers.AutoSubscribe"/>).
    /// </summary>
    public IReadOnlyList<Protocol.Packets.TopicSubscription> AutoSubscriptions { get; set; } = [];

    /// <summary>How often expired messages are purged from queues and the retained store.</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Open connections allowed at once; a CONNECT beyond it gets 0x03 Server unavailable. 0 means no limit.</summary>
    public int MaxConnections { get; set; }

    /// <summary>Open connections allowed at once from one IP address; beyond it as <see cref="MaxConnections"/>. 0 means no limit.</summary>
    public int MaxConnectionsPerAddress { get; set; }

    /// <summary>Failed logins from one address, each within <see cref="LoginThrottleWindow"/> of the last, before it is refused for a window (MQTT 5: 0x9F). 0 turns it off.</summary>
    public int MaxLoginFailures { get; set; } = 5;

    public TimeSpan LoginThrottleWindow { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>MQTT 5 Receive Maximum the server announces: incoming QoS 2 messages a client may have unreleased.</summary>
    public int ReceiveMaximum { get; set; } = 100;

    /// <summary>MQTT 5 Topic Alias Maximum the server announces for aliases clients set; 0 refuses aliases.</summary>
    public int TopicAliasMaximum { get; set; } = 10;

    /// <summary>Whether the server sets topic aliases on PUBLISH to MQTT 5 clients that allow them.</summary>
    public bool OutboundTopicAliases { get; set; }

    /// <summary>MQTT 5 Server Keep Alive: when set, replaces the keep-alive clients ask for.</summary>
    public ushort? ServerKeepAlive { get; set; }

    /// <summary>
    /// PUBLISH packets one connection may send per second, with a burst of one second's worth;
    /// beyond it the connection is closed (MQTT 5: DISCONNECT 0x96 Message rate too high). 0 means no limit.
    /// </summary>
    public int MaxPublishRate { get; set; }

    /// <summary>How often the $SYS topics are published; zero publishes none.</summary>
    public TimeSpan SysInterval { get; set; }

    /// <summary>Counters per time bucket of the hot-topic statistics: the K of their error bound N/K.</summary>
    public int HotTopicCapacity { get; set; } = 1000;

    /// <summary>Largest packet accepted from a client, fixed header included.</summary>
    public int MaxPacketSize { get; set; } = 268_435_460;
}

using System.Buffers;
using Herald.Broker.Auth;
using Herald.Broker.Diagnostics;
using Herald.Broker.Handlers;
using Herald.Broker.Messages;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Connections;

/// <summary>
/// One client connection as the engine sees it: bytes in, packets out, no socket. The host's read
/// loop hands every buffer to <see cref="ReceiveAsync"/>, which handles each whole packet in it
/// and says how far it consumed; the host's writer loop drains <see cref="WriteOutbound"/> into
/// the socket and flushes when the queue is empty, so a burst of packets costs one syscall.
///
/// Ownership: the read loop alone calls <see cref="ReceiveAsync"/>, so state set while handling
/// packets (version, limits, will, session, inbound topic aliases) needs no lock; the writer
/// loop alone owns the outbound topic aliases. Any thread may enqueue packets or call
/// <see cref="Close"/>, which runs once.
/// </summary>
public sealed class ClientConnection
{
    private readonly OutboundQueue _outbound;
    private CancellationTokenSource? _closing; // made when first asked for: an idle connection never needs one
    private AclDecisions? _acl; // this client's publish and subscribe decisions
    private Extras? _extras; // what few connections use, made at the first use (see Extras)
    private TopicCache? _topics;
    private long _lastPacketTimestamp;
    private long _connectedAtTicks; // UTC; 0 before CONNECT is accepted
    private int _closed;
    private int _held; // packets waiting for the durable store, see SendInOrder

    internal ClientConnection(Broker broker, string remoteEndPoint, IOutboundListener? listener)
    {
        Broker = broker;
        RemoteEndPoint = remoteEndPoint;
        RemoteAddress = AddressOf(remoteEndPoint);
        _outbound = new OutboundQueue(listener ?? new OutboundSignal());
        _lastPacketTimestamp = broker.Time.GetTimestamp();
        broker.Timeouts.Schedule(this, broker.Options.ConnectTimeout);
    }

    public string RemoteEndPoint { get; }

    /// <summary>
    /// The IP address of <see cref="RemoteEndPoint"/>, for per-address limits. Kept rather than
    /// worked out when asked: a CONNECT asks four times, and that garbage cost more memory than the string.
    /// </summary>
    public string RemoteAddress { get; }

    /// <summary>The client id once CONNECT is accepted; empty before.</summary>
    public string ClientId { get; private set; } = "";

    /// <summary>The username the client logged in with (its certificate's name, if it showed one); null for an anonymous client.</summary>
    public string? Username { get; private set; }

    /// <summary>The name in the TLS client certificate the transport verified; it stands for the CONNECT's username.</summary>
    public string? CertificateIdentity { get; init; }

    /// <summary>Who a CONNECT on this connection logs in as: the certificate's name, else the CONNECT's username.</summary>
    internal string? UsernameFor(ConnectPacket packet) => CertificateIdentity ?? packet.Username;

    /// <summary>Whether the ACL lets this client publish or subscribe to <paramref name="topic"/>; the read loop alone asks.</summary>
    internal bool Allows(AclCheck check, string topic) => AclDecisions.Allows(ref _acl, Broker.Acl, check, topic, ClientId, Username);

    public ProtocolVersion Version { get; private set; } = ProtocolVersion.V311;

    public Session? Session { get; private set; }

    /// <summary>Cancelled when the connection is closed, by either side.</summary>
    public CancellationToken Closing
    {
        get
        {
            if (Volatile.Read(ref _closing) is null)
            {
                var made = new CancellationTokenSource();
                if (Interlocked.CompareExchange(ref _closing, made, null) is not null)
                    made.Dispose();
                else if (IsClosed)
                    made.Cancel(); // Close ran before there was a source to cancel
            }
            return _closing!.Token;
        }
    }

    /// <summary>
    /// Forgets the token's source once what was given <see cref="Closing"/> during CONNECT or AUTH
    /// (the authenticator, the cluster's claim) has answered, so an idle connection keeps none.
    /// Not disposed: a <see cref="Close"/> racing this may still cancel it, harmlessly.
    /// </summary>
    internal void ReleaseClosing() => Volatile.Write(ref _closing, null);

    /// <summary>The connection's place in <see cref="TimeoutWheel"/>; the wheel's lock guards them.</summary>
    internal ClientConnection? WheelNext { get; set; }

    internal ClientConnection? WheelPrevious { get; set; }

    /// <summary>The second of the wheel the deadline falls in; 0 when there is none.</summary>
    internal long WheelDue { get; set; }

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>The client's Receive Maximum: QoS 1/2 messages it accepts unacknowledged [MQTT-3.3.4-7].</summary>
    public int ClientReceiveMaximum { get; private set; } = ushort.MaxValue;

    /// <summary>The client's Maximum Packet Size: nothing larger is sent to it [MQTT-3.1.2-24].</summary>
    public long ClientMaximumPacketSize { get; private set; } = long.MaxValue;

    /// <summary>The client's Topic Alias Maximum: how many aliases the server may set on PUBLISH to it.</summary>
    public int ClientTopicAliasMaximum { get; private set; }

    internal Broker Broker { get; }

    internal ConnectWill? Will
    {
        get => _extras?.Will;
        set => SetExtra(value, static (extras, will) => extras.Will = will);
    }

    /// <summary>The will was given to the cluster at CONNECT, to be published by whichever node adopts this one's if it dies.</summary>
    internal bool WillInCluster
    {
        get => _extras?.WillInCluster ?? false;
        set => SetExtra(value, static (extras, given) => extras.WillInCluster = given);
    }

    /// <summary>The CONNECT waiting on an enhanced authentication exchange (AUTH packets).</summary>
    internal ConnectAttempt? PendingConnect
    {
        get => _extras?.PendingConnect;
        set => SetExtra(value, static (extras, attempt) => extras.PendingConnect = attempt);
    }

    /// <summary>How many AUTH packets the current authentication exchange has taken.</summary>
    internal int AuthenticationStep
    {
        get => _extras?.AuthenticationStep ?? 0;
        set => SetExtra(value, static (extras, step) => extras.AuthenticationStep = step);
    }

    /// <summary>The MQTT 5 Authentication Method the client connected with; re-authentication must use it.</summary>
    internal string? AuthenticationMethod => _extras?.AuthenticationMethod;

    /// <summary>The keep-alive in force: the client's, or the MQTT 5 Server Keep Alive.</summary>
    public ushort KeepAliveSeconds { get; private set; }

    /// <summary>When its CONNECT was accepted; null before.</summary>
    public DateTimeOffset? ConnectedAt => _connectedAtTicks == 0 ? null : new DateTimeOffset(_connectedAtTicks, TimeSpan.Zero);

    /// <summary>[MQTT-3.1.2-24] one and a half keep-alive periods without a packet close the connection.</summary>
    private TimeSpan KeepAliveTimeout => TimeSpan.FromSeconds(KeepAliveSeconds * 1.5);

    /// <summary>Sets a field of <see cref="Extras"/>; a default value needs none made.</summary>
    private void SetExtra<T>(T value, Action<Extras, T> set)
    {
        if (_extras is not null || !EqualityComparer<T>.Default.Equals(value, default))
            set(More, value);
    }

    /// <summary>Made at the first use; any thread may be first (a will is set on the read loop, cleared by a close).</summary>
    private Extras More
    {
        get
        {
            if (_extras is { } extras)
                return extras;
            Interlocked.CompareExchange(ref _extras, new Extras(), null);
            return _extras;
        }
    }

    /// <summary>The topics this client published to last; made on its first PUBLISH so idle connections stay small.</summary>
    internal TopicCache Topics => _topics ??= new TopicCache();

    /// <summary>"1.2.3.4" of "1.2.3.4:5678", "::1" of "[::1]:5678": cut from the string, as the garbage of a parse costs memory at every CONNECT.</summary>
    private static string AddressOf(string endPoint)
    {
        var colon = endPoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endPoint.AsSpan(colon + 1), out _))
            return endPoint;
        var address = endPoint.AsSpan(0, colon);
        if (address.StartsWith('[') && address.EndsWith(']'))
            address = address[1..^1];
        else if (address.Contains(':'))
            return endPoint; // an IPv6 address without brackets has no port to cut
        return address.ToString();
    }

    /// <summary>
    /// Handles every whole packet at the front of <paramref name="buffer"/> and returns the position
    /// up to which it was consumed. Bad input closes this connection and nothing else; an MQTT 5
    /// client is first told why with DISCONNECT.
    /// </summary>
    public async ValueTask<SequencePosition> ReceiveAsync(ReadOnlySequence<byte> buffer)
    {
        var packets = 0;
        var length = buffer.Length;
        try
        {
            while (!IsClosed && PacketFrame.TryRead(ref buffer, Broker.Options.MaxPacketSize, out var header, out var body))
            {
                packets++;
                // [MQTT-3.1.2-24] only a whole control packet counts as activity, not a trickle of bytes.
                Volatile.Write(ref _lastPacketTimestamp, Broker.Time.GetTimestamp());
                if (Session is null)
                    await ConnectHandler.HandleBeforeConnectedAsync(this, header, body);
                else
                    await DispatchAsync(header, body);
            }
        }
        catch (PacketException e)
        {
            Broker.Log.ProtocolViolation(RemoteEndPoint, ClientId, e.Error, e.Message);
            Close(DisconnectReason.ProtocolError, e.Reason);
        }
        Broker.Metrics.PacketsReceivedAdd(packets, length - buffer.Length);
        return buffer.Start;
    }

    /// <summary>Waits until there is something to write; false once the connection is closed and drained.</summary>
    public ValueTask<bool> WaitToWriteAsync() =>
        (_outbound.Listener as OutboundSignal ?? throw new InvalidOperationException("this connection's transport is told through its own listener"))
            .WaitAsync(_outbound);

    /// <summary>
    /// For a transport with an <see cref="IOutboundListener"/>: says whether there is something to
    /// write, and if not, has the listener told when there is.
    /// </summary>
    public OutboundState ArmOutbound() => _outbound.Arm();

    /// <summary>Encodes queued packets into <paramref name="writer"/>, at most <paramref name="maxPackets"/>; returns how many.</summary>
    public int WriteOutbound(IBufferWriter<byte> writer, int maxPackets = 256)
    {
        var written = 0;
        Span<int> publishes = stackalloc int[3]; // by QoS: counted once per batch, not per packet
        while (written < maxPackets && _outbound.TryDequeue(out var packet))
        {
            packet.WriteTo(writer, this);
            if (packet.Type == PacketType.Publish)
                publishes[(int)packet.PublishQoS]++;
            written++;
        }
        Broker.Metrics.PacketsSentAdd(written, publishes);
        return written;
    }

    /// <summary>
    /// Closes the connection: an MQTT 5 client that was connected first gets DISCONNECT with the
    /// reason; the will is published (or its delay starts) unless the client sent DISCONNECT.
    /// </summary>
    public void Close(DisconnectReason reason, ReasonCode? code = null)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        Broker.Timeouts.Cancel(this);
        // [MQTT-3.14.0-1] DISCONNECT only after CONNACK, so only with a session.
        if (Version == ProtocolVersion.V500 && Session is not null && (code ?? ServerReason(reason)) is { } disconnect)
            _outbound.TryEnqueue(OutboundPacket.Disconnect(disconnect));
        Broker.OnConnectionClosed(this, reason);
        _outbound.Complete();
        Volatile.Read(ref _closing)?.Cancel();
    }

    internal bool TrySend(in OutboundPacket packet) => _outbound.TryEnqueue(packet);

    /// <summary>
    /// Sends a packet whose order matters: acknowledgements in the order of the packets they answer
    /// [MQTT-4.6.0-2] [MQTT-4.6.0-3], QoS 1/2 PUBLISH in the order they were queued [MQTT-4.6.0-6].
    /// When <paramref name="afterCommit"/> it waits until the durable store has committed what it
    /// confirms; any packet sent this way while one waits queues behind it.
    /// </summary>
    internal void SendInOrder(in OutboundPacket packet, bool afterCommit)
    {
        if (Broker.Store is not { } store || (!afterCommit && Volatile.Read(ref _held) == 0))
        {
            TrySend(packet);
            return;
        }
        Interlocked.Increment(ref _held);
        store.WhenDurable(static state =>
        {
            var (connection, held) = ((ClientConnection, OutboundPacket))state!;
            connection.TrySend(held);
            Interlocked.Decrement(ref connection._held);
        }, (this, packet));
    }

    /// <summary>Enqueues a packet that may be dropped (QoS 0) when the client does not keep up.</summary>
    /// <returns>False when the queue is full and the packet was dropped.</returns>
    internal bool TrySendBounded(in OutboundPacket packet)
    {
        if (_outbound.Count >= Broker.Options.MaxQueuedMessages)
            return false;
        TrySend(packet); // refused only once closed: then there is no one to deliver to
        return true;
    }

    internal void Accept(string clientId, ConnectPacket packet, Session session, ushort keepAliveSeconds)
    {
        ClientId = clientId;
        Username = UsernameFor(packet);
        Version = packet.Version;
        Session = session;
        KeepAliveSeconds = keepAliveSeconds;
        _connectedAtTicks = Broker.Time.GetUtcNow().UtcTicks;
        Broker.Metrics.ClientConnected();
        if (packet.Properties?.AuthenticationMethod is { } method)
            More.AuthenticationMethod = method;
        if (packet.Properties is { } properties)
        {
            ClientReceiveMaximum = properties.ReceiveMaximum ?? ushort.MaxValue;
            ClientMaximumPacketSize = properties.MaximumPacketSize ?? long.MaxValue;
            ClientTopicAliasMaximum = Broker.Options.OutboundTopicAliases ? properties.TopicAliasMaximum ?? 0 : 0;
        }
        // [MQTT-3.1.2-24] 0 disables the keep-alive.
        if (keepAliveSeconds == 0)
            Broker.Timeouts.Cancel(this);
        else
            Broker.Timeouts.Schedule(this, KeepAliveTimeout);
    }

    /// <summary>
    /// Takes one PUBLISH from the rate quota, a token bucket refilled at
    /// <see cref="BrokerOptions.MaxPublishRate"/> per second holding at most one second's worth.
    /// </summary>
    internal bool TryTakePublishToken()
    {
        var rate = Broker.Options.MaxPublishRate;
        if (rate <= 0)
            return true;
        var now = Broker.Time.GetTimestamp();
        var quota = More;
        var refill = quota.PublishTokensTimestamp == 0 ? rate : Broker.Time.GetElapsedTime(quota.PublishTokensTimestamp, now).TotalSeconds * rate;
        quota.PublishTokens = Math.Min(rate, quota.PublishTokens + refill);
        quota.PublishTokensTimestamp = now;
        if (quota.PublishTokens < 1)
            return false;
        quota.PublishTokens--;
        return true;
    }

    /// <summary>Sets the version before CONNACK, so a refusal is written in the client's own format.</summary>
    internal void SetVersion(ProtocolVersion version) => Version = version;

    /// <summary>Answers CONNECT with a refusal and closes [MQTT-3.2.2-5]; the code is sent in the client's version.</summary>
    internal void Refuse(ReasonCode reason, string clientId)
    {
        var code = Version == ProtocolVersion.V500 ? (byte)reason : (byte)ConnectReturnCodes.From(reason);
        Broker.Log.ConnectRefused(RemoteEndPoint, clientId, reason);
        if (reason is ReasonCode.BadUserNameOrPassword or ReasonCode.NotAuthorized or ReasonCode.BadAuthenticationMethod
            or ReasonCode.Banned or ReasonCode.ConnectionRateExceeded)
            Broker.Metrics.AuthFailed(reason);
        TrySend(OutboundPacket.ConnAck(sessionPresent: false, code));
        Close(DisconnectReason.ConnectRefused);
    }

    /// <summary>
    /// Resolves an incoming MQTT 5 topic alias (section 3.3.2.3.4): an alias with a topic sets it,
    /// an alias alone stands for the topic set before.
    /// </summary>
    internal string ResolveTopic(in PublishPacket packet)
    {
        if (packet.Properties?.TopicAlias is not { } alias)
        {
            if (packet.Topic.Length == 0)
                throw PacketException.Protocol("PUBLISH has neither a topic nor a topic alias");
            return packet.Topic;
        }
        if (alias > Broker.Options.TopicAliasMaximum)
            throw PacketException.Protocol(ReasonCode.TopicAliasInvalid, $"topic alias {alias} exceeds the maximum {Broker.Options.TopicAliasMaximum}"); // [MQTT-3.3.2-9]
        var aliases = More.InboundAliases ??= [];
        if (packet.Topic.Length > 0)
        {
            aliases[alias] = packet.Topic;
            return packet.Topic;
        }
        return aliases.TryGetValue(alias, out var topic)
            ? topic
            : throw PacketException.Protocol($"topic alias {alias} was never set");
    }

    /// <summary>
    /// The outbound topic alias for a PUBLISH to this client, when it allows aliases: a topic seen
    /// before is sent as its alias alone; a new one takes a free alias while any remain.
    /// Called by the writer loop only.
    /// </summary>
    internal ushort OutboundTopicAlias(Message message, QualityOfService qos, int[]? subscriptionIds, out bool omitTopic)
    {
        omitTopic = false;
        if (ClientTopicAliasMaximum == 0)
            return 0;
        var aliases = More.OutboundAliases ??= new(StringComparer.Ordinal);
        if (aliases.TryGetValue(message.Topic, out var alias))
        {
            omitTopic = true;
            return alias;
        }
        if (aliases.Count >= ClientTopicAliasMaximum
            || message.PublishSize(Version, qos, subscriptionIds, topicAlias: 1) > ClientMaximumPacketSize)
            return 0;
        alias = (ushort)(aliases.Count + 1);
        aliases.Add(message.Topic, alias);
        return alias;
    }

    private async ValueTask DispatchAsync(byte header, ReadOnlySequence<byte> body)
    {
        var type = PacketFrame.TypeOf(header);
        switch (type)
        {
            case PacketType.Publish:
                PublishHandler.Handle(this, header, body);
                break;
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                AckHandler.Handle(this, AckPacket.Read(header, body, Version));
                break;
            case PacketType.Subscribe:
                SubscribeHandler.Handle(this, SubscribePacket.Read(header, body, Version));
                break;
            case PacketType.Unsubscribe:
                UnsubscribeHandler.Handle(this, UnsubscribePacket.Read(header, body, Version));
                break;
            case PacketType.PingReq:
                PacketFrame.ValidateFlags(header);
                PacketFrame.ValidateEmpty(type, body);
                TrySend(OutboundPacket.PingResp);
                break;
            case PacketType.Disconnect:
                DisconnectHandler.Handle(this, ReasonPacket.Read(header, body, Version));
                break;
            case PacketType.Auth:
                await AuthHandler.HandleReauthenticationAsync(this, ReasonPacket.Read(header, body, Version));
                break;
            case PacketType.Connect:
                throw PacketException.Protocol("second CONNECT on one connection"); // [MQTT-3.1.0-2]
            default:
                throw PacketException.Malformed($"packet type {(int)type} is not sent by clients");
        }
    }

    private static ReasonCode? ServerReason(DisconnectReason reason) => reason switch
    {
        DisconnectReason.KeepAliveTimeout => ReasonCode.KeepAliveTimeout,
        DisconnectReason.SessionTakenOver => ReasonCode.SessionTakenOver,
        DisconnectReason.ServerShutdown => ReasonCode.ServerShuttingDown,
        DisconnectReason.ProtocolError => ReasonCode.ProtocolError,
        DisconnectReason.Banned or DisconnectReason.Kicked => ReasonCode.AdministrativeAction,
        _ => null,
    };

    /// <summary>The deadline <see cref="TimeoutWheel"/> was given passed: CONNECT never came, or maybe the keep-alive ran out.</summary>
    internal void OnTimeout()
    {
        if (Session is null)
        {
            Close(DisconnectReason.ConnectTimeout);
            return;
        }
        var idle = Broker.Time.GetElapsedTime(Volatile.Read(ref _lastPacketTimestamp));
        if (idle >= KeepAliveTimeout)
            Close(DisconnectReason.KeepAliveTimeout);
        else
            Broker.Timeouts.Schedule(this, KeepAliveTimeout - idle);
    }

    /// <summary>
    /// The state only some connections need: topic aliases (MQTT 5), the publish rate quota, a
    /// will, an enhanced authentication exchange. Apart, so an idle connection does without it.
    /// </summary>
    private sealed class Extras
    {
        public Dictionary<ushort, string>? InboundAliases { get; set; } // the read loop's

        public Dictionary<string, ushort>? OutboundAliases { get; set; } // the writer's

        public double PublishTokens { get; set; } // the read loop's token bucket

        public long PublishTokensTimestamp { get; set; }

        public ConnectWill? Will { get; set; }

        public bool WillInCluster { get; set; }

        public ConnectAttempt? PendingConnect { get; set; }

        public int AuthenticationStep { get; set; }

        public string? AuthenticationMethod { get; set; }
    }
}

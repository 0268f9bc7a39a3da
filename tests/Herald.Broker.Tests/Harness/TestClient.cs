using System.Buffers;
using System.Text;
using Herald.Broker.Connections;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Tests.Harness;

/// <summary>
/// One client connection driven the way a host's read and writer loops drive it: bytes go in
/// through <see cref="ClientConnection.ReceiveAsync"/>, which says how far it consumed (the rest is
/// kept and sent again with the next bytes), and packets come out of
/// <see cref="ClientConnection.WriteOutbound"/>, framed and parsed into comparable records.
/// The client speaks the protocol version of the CONNECT it sent: MQTT 5 packets are written with
/// properties and read with the MQTT 5 readers (a PUBLISH as <see cref="Publish5"/>, DISCONNECT and
/// AUTH as <see cref="ReasonPacket"/>).
/// </summary>
internal sealed class TestClient(Broker broker, string remoteEndPoint)
{
    private readonly List<object> _received = [];
    private byte[] _unconsumed = [];
    private ushort _lastPacketId;

    public ClientConnection Connection { get; } = broker.Accept(remoteEndPoint);

    public bool IsClosed => Connection.IsClosed;

    /// <summary>The protocol version of the last CONNECT this client sent; 3.1.1 before it sent one.</summary>
    public ProtocolVersion Version { get; private set; } = ProtocolVersion.V311;

    public Task SendAsync(byte[] bytes)
    {
        byte[] buffer = [.. _unconsumed, .. bytes];
        return ReceiveAsync(new ReadOnlySequence<byte>(buffer));
    }

    /// <summary>Sends <paramref name="bytes"/> in one buffer made of two segments, the second starting at <paramref name="at"/>.</summary>
    public Task SendSplitAsync(byte[] bytes, int at)
    {
        byte[] buffer = [.. _unconsumed, .. bytes];
        return ReceiveAsync(Segment.Split(buffer, _unconsumed.Length + at));
    }

    /// <summary>Sends <paramref name="bytes"/> one byte per read, as a slow network would deliver them.</summary>
    public async Task SendBytewiseAsync(byte[] bytes)
    {
        foreach (var b in bytes)
            await SendAsync([b]);
    }

    /// <summary>Sends CONNECT and returns the CONNACK, which must be the first packet received [MQTT-3.2.0-1].</summary>
    public Task<ConnAckPacket> ConnectAsync(
        string clientId,
        bool cleanSession = true,
        ushort keepAliveSeconds = 0,
        ConnectWill? will = null,
        ProtocolVersion version = ProtocolVersion.V311,
        string? username = null,
        string? password = null) =>
        ConnectAsync(new ConnectPacket
        {
            ClientId = clientId,
            CleanSession = cleanSession,
            KeepAliveSeconds = keepAliveSeconds,
            Will = will,
            Version = version,
            Username = username,
            Password = password is null ? null : Encoding.UTF8.GetBytes(password),
        });

    /// <summary>Sends an MQTT 5 CONNECT (Clean Start for clean session) and returns the CONNACK.</summary>
    public Task<ConnAckPacket> Connect5Async(
        string clientId,
        Properties? properties = null,
        bool cleanStart = true,
        ushort keepAliveSeconds = 0,
        ConnectWill? will = null,
        string? username = null,
        string? password = null) =>
        ConnectAsync(new ConnectPacket
        {
            ClientId = clientId,
            CleanSession = cleanStart,
            KeepAliveSeconds = keepAliveSeconds,
            Will = will,
            Version = ProtocolVersion.V500,
            Username = username,
            Password = password is null ? null : Encoding.UTF8.GetBytes(password),
            Properties = properties,
        });

    /// <summary>Sends <paramref name="packet"/> and returns the CONNACK, which must be the first packet received.</summary>
    public async Task<ConnAckPacket> ConnectAsync(ConnectPacket packet)
    {
        await SendConnectAsync(packet);
        Drain();
        Assert.NotEmpty(_received);
        var connAck = Assert.IsType<ConnAckPacket>(_received[0]);
        _received.RemoveAt(0);
        return connAck;
    }

    /// <summary>Sends CONNECT and from then on speaks its version; takes nothing, as AUTH may come before CONNACK.</summary>
    public Task SendConnectAsync(ConnectPacket packet)
    {
        Version = packet.Version;
        return SendAsync(Encode.Connect(packet));
    }

    /// <summary>Sends a PUBLISH; a QoS 1 or 2 message gets the next packet identifier unless one is given.</summary>
    /// <returns>The packet identifier used, 0 at QoS 0.</returns>
    public async Task<ushort> PublishAsync(
        string topic,
        string payload,
        QualityOfService qos = QualityOfService.AtMostOnce,
        bool retain = false,
        ushort? packetId = null,
        bool dup = false,
        Properties? properties = null)
    {
        var id = qos == QualityOfService.AtMostOnce ? (ushort)0 : packetId ?? NextPacketId();
        await SendAsync(Encode.Publish(topic, payload, qos, id, retain, dup, Version, properties));
        return id;
    }

    /// <summary>Sends any PUBLISH in this client's version; a QoS 1 or 2 packet without an identifier gets the next one.</summary>
    /// <returns>The packet identifier used, 0 at QoS 0.</returns>
    public async Task<ushort> PublishAsync(PublishPacket packet)
    {
        if (packet.QoS != QualityOfService.AtMostOnce && packet.PacketId == 0)
            packet = packet with { PacketId = NextPacketId() };
        await SendAsync(Encode.Publish(packet, Version));
        return packet.PacketId;
    }

    /// <summary>Subscribes to one filter and returns the SUBACK, leaving any retained messages that follow it.</summary>
    public Task<SubAck> SubscribeAsync(string filter, QualityOfService qos = QualityOfService.ExactlyOnce) =>
        SubscribeAsync(new TopicSubscription(filter, qos));

    public async Task<SubAck> SubscribeAsync(params TopicSubscription[] subscriptions)
    {
        await SendAsync(Encode.Subscribe(NextPacketId(), subscriptions, Version));
        return Take<SubAck>();
    }

    /// <summary>An MQTT 5 SUBSCRIBE carrying a Subscription Identifier for all its filters (section 3.8.2.1.2).</summary>
    public async Task<SubAck> SubscribeAsync(int subscriptionId, params TopicSubscription[] subscriptions)
    {
        var properties = new Properties { SubscriptionIdentifiers = [subscriptionId] };
        await SendAsync(Encode.Subscribe(NextPacketId(), subscriptions, Version, properties));
        return Take<SubAck>();
    }

    public async Task<UnsubAckPacket> UnsubscribeAsync(params string[] filters)
    {
        await SendAsync(Encode.Unsubscribe(NextPacketId(), filters, Version));
        return Take<UnsubAckPacket>();
    }

    public Task PubAckAsync(ushort packetId) => SendAsync(Encode.Ack(PacketType.PubAck, packetId));

    /// <summary>An MQTT 5 PUBACK, PUBREC, PUBREL or PUBCOMP with a reason code.</summary>
    public Task AckAsync(PacketType type, ushort packetId, ReasonCode reason) =>
        SendAsync(Encode.Ack(new AckPacket(type, packetId) { Reason = reason }));

    public Task PubRecAsync(ushort packetId) => SendAsync(Encode.Ack(PacketType.PubRec, packetId));

    public Task PubRelAsync(ushort packetId) => SendAsync(Encode.Ack(PacketType.PubRel, packetId));

    public Task PubCompAsync(ushort packetId) => SendAsync(Encode.Ack(PacketType.PubComp, packetId));

    public Task PingAsync() => SendAsync(Encode.Empty(PacketType.PingReq));

    public Task DisconnectAsync() => SendAsync(Encode.Empty(PacketType.Disconnect));

    /// <summary>An MQTT 5 DISCONNECT with a reason code and properties (section 3.14).</summary>
    public Task DisconnectAsync(ReasonCode reason, Properties? properties = null) =>
        SendAsync(Encode.Reason(new ReasonPacket(PacketType.Disconnect, reason) { Properties = properties }));

    /// <summary>An AUTH packet (section 3.15) with the authentication method and data.</summary>
    public Task AuthAsync(ReasonCode reason, string method, byte[]? data = null) =>
        SendAsync(Encode.Reason(new ReasonPacket(PacketType.Auth, reason)
        {
            Properties = new Properties { AuthenticationMethod = method, AuthenticationData = data },
        }));

    /// <summary>The network connection drops without DISCONNECT, as when the host's read loop ends.</summary>
    public void LoseConnection() => Connection.Close(DisconnectReason.ConnectionLost);

    /// <summary>Every packet received and not yet taken, in the order the broker sent them.</summary>
    public object[] Received()
    {
        Drain();
        var received = _received.ToArray();
        _received.Clear();
        return received;
    }

    public void AssertReceived(params object[] expected) => Assert.Equal(expected, Received());

    public void AssertReceivedNothing() => Assert.Empty(Received());

    /// <summary>
    /// Like <see cref="AssertReceived"/>, comparing the MQTT 5 PUBLISH packets received by their
    /// message only, whatever properties they carried.
    /// </summary>
    public void AssertReceivedMessages(params object[] expected)
    {
        var received = Received();
        Assert.Equal(expected, received.Select(packet => packet is Publish5 publish ? publish.Message : packet));
    }

    /// <summary>Every MQTT 5 PUBLISH received and not yet taken; fails if anything else was received.</summary>
    public Publish5[] ReceivedPublishes()
    {
        var received = Received();
        Assert.All(received, packet => Assert.IsType<Publish5>(packet));
        return [.. received.Cast<Publish5>()];
    }

    /// <summary>Removes and returns the first received packet of type <typeparamref name="T"/>.</summary>
    public T Take<T>()
    {
        Drain();
        var index = _received.FindIndex(packet => packet is T);
        Assert.True(index >= 0, $"no {typeof(T).Name} among the packets received: [{string.Join(", ", _received)}]");
        var packet = (T)_received[index];
        _received.RemoveAt(index);
        return packet;
    }

    private async Task ReceiveAsync(ReadOnlySequence<byte> sequence)
    {
        var consumed = await Connection.ReceiveAsync(sequence);
        _unconsumed = sequence.Slice(consumed).ToArray();
    }

    private ushort NextPacketId() => _lastPacketId = _lastPacketId == ushort.MaxValue ? (ushort)1 : (ushort)(_lastPacketId + 1);

    private void Drain()
    {
        var writer = new ArrayBufferWriter<byte>();
        while (Connection.WriteOutbound(writer) > 0)
        {
        }
        var sequence = new ReadOnlySequence<byte>(writer.WrittenMemory);
        while (PacketFrame.TryRead(ref sequence, int.MaxValue, out var header, out var body))
            _received.Add(Parse(header, body));
        Assert.True(sequence.IsEmpty, $"the broker wrote {sequence.Length} bytes that are not a whole packet");
    }

    private object Parse(byte header, in ReadOnlySequence<byte> body)
    {
        var version = Version;
        switch (PacketFrame.TypeOf(header))
        {
            case PacketType.ConnAck:
                return ConnAckPacket.Read(header, body, version);
            case PacketType.Publish:
                var publish = PublishPacket.Read(header, body, version);
                var message = new Publish(publish.Topic, Encoding.UTF8.GetString(publish.Payload.ToArray()), publish.QoS, publish.PacketId, publish.Dup, publish.Retain);
                return version == ProtocolVersion.V500 ? new Publish5(message, publish.Properties) : message;
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                return AckPacket.Read(header, body, version);
            case PacketType.SubAck:
                return SubAck.From(SubAckPacket.Read(header, body, version));
            case PacketType.UnsubAck:
                return UnsubAckPacket.Read(header, body, version);
            case PacketType.PingResp:
                PacketFrame.ValidateFlags(header);
                PacketFrame.ValidateEmpty(PacketType.PingResp, body);
                return PingResp.Instance;
            case PacketType.Disconnect or PacketType.Auth when version == ProtocolVersion.V500:
                return ReasonPacket.Read(header, body, version);
            case var type:
                throw new InvalidOperationException($"the broker sent {type}, which a server never sends in MQTT {version}");
        }
    }
}

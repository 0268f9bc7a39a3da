using System.Buffers;
using System.Threading.Channels;
using Herald.Broker.Diagnostics;
using Herald.Broker.Handlers;
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
/// Ownership: the read loop alone calls <see cref="ReceiveAsync"/>, so connection state set while
/// handling packets (version, will, session) needs no lock. Any thread may enqueue packets or
/// call <see cref="Close"/>, which runs once.
/// </summary>
public sealed class ClientConnection
{
    private readonly Channel<OutboundPacket> _outbound = Channel.CreateUnbounded<OutboundPacket>(
        new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = false });
    private readonly CancellationTokenSource _closing = new();
    private readonly ITimer _timer;
    private long _lastPacketTimestamp;
    private TimeSpan _keepAliveTimeout;
    private int _queuedPackets;
    private int _closed;

    internal ClientConnection(Broker broker, string remoteEndPoint)
    {
        Broker = broker;
        RemoteEndPoint = remoteEndPoint;
        _lastPacketTimestamp = broker.Time.GetTimestamp();
        _timer = broker.Time.CreateTimer(static state => ((ClientConnection)state!).OnTimer(), this, broker.Options.ConnectTimeout, Timeout.InfiniteTimeSpan);
    }

    public string RemoteEndPoint { get; }

    /// <summary>The client id once CONNECT is accepted; empty before.</summary>
    public string ClientId { get; private set; } = "";

    public ProtocolVersion Version { get; private set; }

    public Session? Session { get; private set; }

    /// <summary>Cancelled when the connection is closed, by either side.</summary>
    public CancellationToken Closing => _closing.Token;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    internal Broker Broker { get; }

    internal ConnectWill? Will { get; set; }

    /// <summary>
    /// Handles every whole packet at the front of <paramref name="buffer"/> and returns the position
    /// up to which it was consumed. Bad input closes this connection and nothing else.
    /// </summary>
    public async ValueTask<SequencePosition> ReceiveAsync(ReadOnlySequence<byte> buffer)
    {
        try
        {
            while (!IsClosed && PacketFrame.TryRead(ref buffer, Broker.Options.MaxPacketSize, out var header, out var body))
            {
                // [MQTT-3.1.2-24] only a whole control packet counts as activity, not a trickle of bytes.
                Volatile.Write(ref _lastPacketTimestamp, Broker.Time.GetTimestamp());
                if (Session is null)
                {
                    if (PacketFrame.TypeOf(header) != PacketType.Connect)
                        throw PacketException.Protocol($"first packet is {PacketFrame.TypeOf(header)}, not CONNECT"); // [MQTT-3.1.0-1]
                    await ConnectHandler.HandleAsync(this, header, body);
                }
                else
                {
                    Dispatch(header, body);
                }
            }
        }
        catch (PacketException e)
        {
            Broker.Log.ProtocolViolation(RemoteEndPoint, ClientId, e.Error, e.Message);
            Close(DisconnectReason.ProtocolError);
        }
        return buffer.Start;
    }

    /// <summary>Waits until there is something to write; false once the connection is closed and drained.</summary>
    public ValueTask<bool> WaitToWriteAsync(CancellationToken cancellationToken) => _outbound.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Encodes queued packets into <paramref name="writer"/>, at most <paramref name="maxPackets"/>; returns how many.</summary>
    public int WriteOutbound(IBufferWriter<byte> writer, int maxPackets = 256)
    {
        var written = 0;
        while (written < maxPackets && _outbound.Reader.TryRead(out var packet))
        {
            packet.WriteTo(writer);
            written++;
        }
        Interlocked.Add(ref _queuedPackets, -written);
        return written;
    }

    /// <summary>Closes the connection: publishes the will unless the client sent DISCONNECT, ends a clean session.</summary>
    public void Close(DisconnectReason reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
            return;
        _timer.Dispose();
        Broker.OnConnectionClosed(this, reason);
        _outbound.Writer.TryComplete();
        _closing.Cancel();
    }

    internal bool TrySend(OutboundPacket packet)
    {
        if (!_outbound.Writer.TryWrite(packet))
            return false;
        Interlocked.Increment(ref _queuedPackets);
        return true;
    }

    /// <summary>Enqueues a packet that may be dropped (QoS 0) when the client does not keep up.</summary>
    /// <returns>False when the queue is full and the packet was dropped.</returns>
    internal bool TrySendBounded(OutboundPacket packet)
    {
        if (Volatile.Read(ref _queuedPackets) >= Broker.Options.MaxQueuedMessages)
            return false;
        TrySend(packet); // refused only once closed: then there is no one to deliver to
        return true;
    }

    internal void Accept(string clientId, ProtocolVersion version, Session session, ushort keepAliveSeconds)
    {
        ClientId = clientId;
        Version = version;
        Session = session;
        // [MQTT-3.1.2-24] close after one and a half keep-alive periods without a packet; 0 disables it.
        _keepAliveTimeout = TimeSpan.FromSeconds(keepAliveSeconds * 1.5);
        _timer.Change(keepAliveSeconds == 0 ? Timeout.InfiniteTimeSpan : _keepAliveTimeout, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Answers CONNECT with a refusal and closes [MQTT-3.2.2-5].</summary>
    internal void Refuse(ConnectReturnCode code, string clientId)
    {
        Broker.Log.ConnectRefused(RemoteEndPoint, clientId, code);
        TrySend(OutboundPacket.ConnAck(sessionPresent: false, code));
        Close(DisconnectReason.ConnectRefused);
    }

    private void Dispatch(byte header, in ReadOnlySequence<byte> body)
    {
        var type = PacketFrame.TypeOf(header);
        switch (type)
        {
            case PacketType.Publish:
                PublishHandler.Handle(this, header, body);
                break;
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                AckHandler.Handle(this, AckPacket.Read(header, body));
                break;
            case PacketType.Subscribe:
                SubscribeHandler.Handle(this, SubscribePacket.Read(header, body));
                break;
            case PacketType.Unsubscribe:
                UnsubscribeHandler.Handle(this, UnsubscribePacket.Read(header, body));
                break;
            case PacketType.PingReq:
                PacketFrame.ValidateFlags(header);
                PacketFrame.ValidateEmpty(type, body);
                TrySend(OutboundPacket.PingResp);
                break;
            case PacketType.Disconnect:
                PacketFrame.ValidateFlags(header);
                PacketFrame.ValidateEmpty(type, body);
                Will = null; // [MQTT-3.14.4-3]
                Close(DisconnectReason.ClientDisconnected);
                break;
            case PacketType.Connect:
                throw PacketException.Protocol("second CONNECT on one connection"); // [MQTT-3.1.0-2]
            default:
                throw PacketException.Malformed($"packet type {(int)type} is not sent by clients");
        }
    }

    private void OnTimer()
    {
        if (Session is null)
        {
            Close(DisconnectReason.ConnectTimeout);
            return;
        }
        var idle = Broker.Time.GetElapsedTime(Volatile.Read(ref _lastPacketTimestamp));
        if (idle >= _keepAliveTimeout)
            Close(DisconnectReason.KeepAliveTimeout);
        else
            _timer.Change(_keepAliveTimeout - idle, Timeout.InfiniteTimeSpan);
    }
}

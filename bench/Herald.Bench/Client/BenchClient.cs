using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Bench.Client;

/// <summary>
/// One lean MQTT 3.1.1 connection: a socket, one read loop that frames packets off a
/// <see cref="PipeReader"/> with <see cref="PacketFrame.TryRead"/>, and one writer loop that sends
/// everything buffered since its last send in one call (many packets, one syscall), so a
/// publisher and the acknowledgements of the read loop share the socket without a lock held
/// across I/O. Cheaper than a general client on purpose: the bench must cost less than the broker.
/// </summary>
public sealed class BenchClient : IAsyncDisposable
{
    private const int MaxPacketSize = 1 << 24;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TaskCompletionSource<ConnAckPacket> _connAck = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource<SubAckPacket>? _subAck;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;
    private volatile bool _closed;

    // _gate guards _pending, _writerScheduled and _pendingBytes. The writer loop owns _sending.
    private readonly Lock _gate = new();
    private ArrayBufferWriter<byte> _pending = new(256);
    private ArrayBufferWriter<byte> _sending = new(256);
    private bool _writerScheduled;
    private long _pendingBytes;

    private BenchClient(Socket socket)
    {
        _socket = socket;
        _reader = PipeReader.Create(new NetworkStream(socket, ownsSocket: false), new StreamPipeReaderOptions(bufferSize: 4096, minimumReadSize: 1024));
    }

    /// <summary>The role fed with PUBLISH and its acknowledgements; set before they can arrive.</summary>
    public IPacketHandler? Handler { get; set; }

    /// <summary>Completes when the read loop ends: the broker closed the connection, or we did.</summary>
    public Task Completion => _readLoop;

    public bool IsClosed => _closed;

    /// <summary>Why the read loop ended, when it ended on an error.</summary>
    public string? CloseReason { get; private set; }

    /// <summary>Bytes buffered and not yet handed to the socket: a publisher backs off above a bound.</summary>
    public long PendingBytes => Volatile.Read(ref _pendingBytes);

    /// <summary>The CONNACK's session present flag: a persistent session survived since the last connection.</summary>
    public bool SessionPresent { get; private set; }

    /// <param name="cleanSession">False resumes (or creates) the broker's persistent session for <paramref name="clientId"/>.</param>
    /// <param name="handler">
    /// Set before the CONNECT goes out: a resumed session's queued messages may follow the CONNACK
    /// at once, before the caller could set <see cref="Handler"/>.
    /// </param>
    /// <param name="handshakeTimeout">How long to wait for the CONNACK (10 s when null); a broker recovering a big store may need longer.</param>
    public static async Task<BenchClient> ConnectAsync(EndPoint server, string clientId, IPAddress? localAddress, CancellationToken cancellationToken,
        bool cleanSession = true, IPacketHandler? handler = null, TimeSpan? handshakeTimeout = null)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (localAddress is not null)
                socket.Bind(new IPEndPoint(localAddress, 0));
            await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var client = new BenchClient(socket) { Handler = handler };
        try
        {
            client.Start();
            // Keep alive 0: no PINGREQ traffic to disturb a measurement or an idle-connection count.
            var connect = new ConnectPacket { ClientId = clientId, CleanSession = cleanSession, KeepAliveSeconds = 0 };
            lock (client._gate)
                connect.WriteTo(client._pending);
            client.ScheduleWriter();
            var ack = await client._connAck.Task.WaitAsync(handshakeTimeout ?? HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            if (ack.ReturnCode != ConnectReturnCode.Accepted)
                throw new BenchException($"CONNECT refused: {ack.ReturnCode}");
            client.SessionPresent = ack.SessionPresent;
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async Task SubscribeAsync(string filter, QualityOfService qos, CancellationToken cancellationToken)
    {
        var subAck = new TaskCompletionSource<SubAckPacket>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _subAck, subAck);
        var subscribe = new SubscribePacket(1, [new TopicSubscription(filter, qos)]);
        lock (_gate)
            subscribe.WriteTo(_pending);
        ScheduleWriter();
        var ack = await subAck.Task.WaitAsync(HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        if (ack.ReturnCodes[0] == SubAckPacket.Failure)
            throw new BenchException($"SUBSCRIBE to '{filter}' refused");
        if (ack.ReturnCodes[0] != (byte)qos)
            throw new BenchException($"SUBSCRIBE to '{filter}' granted QoS {ack.ReturnCodes[0]}, asked {(byte)qos}");
    }

    public void Send(in PublishPacket publish)
    {
        lock (_gate)
        {
            publish.WriteTo(_pending);
            _pendingBytes = _pending.WrittenCount;
        }
        ScheduleWriter();
    }

    public void SendAck(PacketType type, ushort packetId)
    {
        lock (_gate)
        {
            AckPacket.Write(_pending, type, packetId);
            _pendingBytes = _pending.WrittenCount;
        }
        ScheduleWriter();
    }

    /// <summary>Sends DISCONNECT, waits (briefly) for everything buffered to reach the socket, closes.</summary>
    public async Task DisconnectAsync()
    {
        if (!_closed)
        {
            lock (_gate)
                PacketFrame.WriteEmpty(_pending, PacketType.Disconnect);
            ScheduleWriter();
            var deadline = Environment.TickCount64 + 1000;
            while (!_closed && IsWriterBusy() && Environment.TickCount64 < deadline)
                await Task.Delay(5).ConfigureAwait(false);
        }
        await DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Close();
        try
        {
            await Task.WhenAll(_readLoop, _writeLoop).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The loops record their own failure; disposal only waits for them to stop.
        }
        _socket.Dispose();
    }

    private void Start()
    {
        _readLoop = Task.Run(ReadLoopAsync);
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    private bool IsWriterBusy()
    {
        lock (_gate)
            return _writerScheduled;
    }

    private void ScheduleWriter()
    {
        bool wake;
        lock (_gate)
        {
            wake = !_writerScheduled;
            _writerScheduled = true;
        }
        if (wake && !_closed)
            _wake.Release();
    }

    private void Close()
    {
        if (_closed)
            return;
        _closed = true;
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        catch (ObjectDisposedException)
        {
            // Already disposed.
        }
        _reader.CancelPendingRead();
        _wake.Release();
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (!_closed)
            {
                var result = await _reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                while (PacketFrame.TryRead(ref buffer, MaxPacketSize, out var header, out var body))
                    Dispatch(header, body);
                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                    break;
            }
        }
        catch (Exception e)
        {
            CloseReason = e.Message;
        }
        finally
        {
            Close();
            await _reader.CompleteAsync().ConfigureAwait(false);
            var reason = new IOException(CloseReason ?? "connection closed");
            _connAck.TrySetException(reason);
            Volatile.Read(ref _subAck)?.TrySetException(reason);
        }
    }

    private void Dispatch(byte header, in ReadOnlySequence<byte> body)
    {
        switch (PacketFrame.TypeOf(header))
        {
            case PacketType.ConnAck:
                _connAck.TrySetResult(ConnAckPacket.Read(header, body));
                break;
            case PacketType.SubAck:
                Volatile.Read(ref _subAck)?.TrySetResult(SubAckPacket.Read(header, body));
                break;
            case PacketType.Publish:
            case PacketType.PubAck:
            case PacketType.PubRec:
            case PacketType.PubRel:
            case PacketType.PubComp:
                Handler?.OnPacket(this, header, body);
                break;
            case PacketType.PingResp:
                break;
            default:
                throw PacketException.Protocol($"unexpected {PacketFrame.TypeOf(header)} from the broker");
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync().ConfigureAwait(false);
                if (_closed)
                    return;
                while (true)
                {
                    lock (_gate)
                    {
                        if (_pending.WrittenCount == 0)
                        {
                            _writerScheduled = false;
                            break;
                        }
                        (_pending, _sending) = (_sending, _pending);
                        _pendingBytes = 0;
                    }
                    var data = _sending.WrittenMemory;
                    while (!data.IsEmpty)
                    {
                        var sent = await _socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
                        data = data[sent..];
                    }
                    _sending.ResetWrittenCount();
                }
            }
        }
        catch (Exception e)
        {
            CloseReason ??= e.Message;
            Close();
        }
    }
}

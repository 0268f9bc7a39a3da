using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using Herald.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// A bare WebSocket to the server: sends exact bytes in the messages the test chooses, reads
/// whole MQTT packets back however the server split them into messages, and tells how the server
/// closed. Every wait is bounded by <see cref="Wait.Bound"/>.
/// </summary>
public sealed class RawWebSocketClient : IDisposable
{
    private readonly ClientWebSocket _webSocket;
    private readonly HttpMessageInvoker _invoker;
    private readonly byte[] _receiveBuffer = new byte[64 * 1024];
    private byte[] _pending = [];

    private RawWebSocketClient(ClientWebSocket webSocket, HttpMessageInvoker invoker, EndPoint localEndPoint)
    {
        _webSocket = webSocket;
        _invoker = invoker;
        LocalEndPoint = localEndPoint;
    }

    /// <summary>The subprotocol the server chose.</summary>
    public string? SubProtocol => _webSocket.SubProtocol;

    /// <summary>The client's end of the TCP connection, as the server sees its peer.</summary>
    public EndPoint LocalEndPoint { get; }

    /// <summary>Opens a WebSocket to <paramref name="uri"/> (ws or wss, any certificate trusted) offering <paramref name="subprotocols"/>.</summary>
    public static async Task<RawWebSocketClient> ConnectAsync(string uri, params string[] subprotocols)
    {
        var webSocket = new ClientWebSocket();
        foreach (var subprotocol in subprotocols)
            webSocket.Options.AddSubProtocol(subprotocol);
        Socket? socket = null;
        var handler = new SocketsHttpHandler
        {
            // Our own socket, so the test knows the client's address and port.
            ConnectCallback = async (context, cancellationToken) =>
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await s.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
                socket = s;
                return new NetworkStream(s, ownsSocket: true);
            },
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        var invoker = new HttpMessageInvoker(handler);
        try
        {
            using var cts = new CancellationTokenSource(Wait.Bound);
            await webSocket.ConnectAsync(new Uri(uri), invoker, cts.Token);
        }
        catch
        {
            webSocket.Dispose();
            invoker.Dispose();
            throw;
        }
        return new RawWebSocketClient(webSocket, invoker, socket!.LocalEndPoint!);
    }

    /// <summary>Sends <paramref name="bytes"/> as one WebSocket message.</summary>
    public async Task SendAsync(byte[] bytes, WebSocketMessageType type = WebSocketMessageType.Binary)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        await _webSocket.SendAsync(bytes, type, endOfMessage: true, cts.Token);
    }

    /// <summary>Reads the next whole packet, fixed header included, across as many messages as it takes.</summary>
    public async Task<byte[]> ReadPacketAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        while (true)
        {
            var buffer = new ReadOnlySequence<byte>(_pending);
            if (PacketFrame.TryRead(ref buffer, int.MaxValue, out _, out _))
            {
                var length = _pending.Length - (int)buffer.Length;
                var packet = _pending[..length];
                _pending = _pending[length..];
                return packet;
            }
            var received = await ReceiveAsync(cts.Token);
            if (received.MessageType == WebSocketMessageType.Close)
                throw new InvalidOperationException($"The server closed the WebSocket ({received.CloseStatus}); {_pending.Length} bytes of a packet were pending.");
        }
    }

    /// <summary>
    /// Reads until the server closes the WebSocket, answers its close as a browser does, and
    /// returns its close status and whatever bytes came before. A connection dropped without
    /// the closing handshake throws.
    /// </summary>
    public async Task<(WebSocketCloseStatus? Status, byte[] Before)> ReadUntilClosedAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        while (true)
        {
            var received = await ReceiveAsync(cts.Token);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await _webSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cts.Token);
                var before = _pending;
                _pending = [];
                return (received.CloseStatus, before);
            }
        }
    }

    public void Dispose()
    {
        _webSocket.Dispose();
        _invoker.Dispose();
    }

    private async Task<WebSocketReceiveResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        WebSocketReceiveResult received;
        try
        {
            received = await _webSocket.ReceiveAsync(_receiveBuffer, cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"Nothing arrived within {Wait.Bound.TotalSeconds} s; {_pending.Length} bytes were pending.", e);
        }
        if (received.Count > 0)
            _pending = [.. _pending, .. _receiveBuffer.AsSpan(0, received.Count)];
        return received;
    }
}

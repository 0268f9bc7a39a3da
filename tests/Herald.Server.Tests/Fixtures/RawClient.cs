using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Herald.Protocol;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// A bare TCP connection to the server: sends exact bytes, reads whole packets back, and tells
/// when the server closed the connection. Every read is bounded by <see cref="Wait.Bound"/>.
/// </summary>
public sealed class RawClient : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _receiveBuffer = new byte[64 * 1024];
    private byte[] _pending = [];

    private RawClient(Socket socket) => _socket = socket;

    public static async Task<RawClient> ConnectAsync(int port)
    {
        // No Nagle: a test that sends one byte per call puts one byte in each TCP segment.
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new RawClient(socket);
    }

    /// <summary>Connects and completes a CONNECT / CONNACK exchange, asserting the CONNACK accepted it.</summary>
    public static async Task<RawClient> ConnectMqttAsync(int port, byte[] connect)
    {
        var client = await ConnectAsync(port);
        await client.SendAsync(connect);
        var connAck = await client.ReadPacketAsync();
        Assert.Equal(PacketType.ConnAck, PacketFrame.TypeOf(connAck[0]));
        Assert.Equal(0, connAck[^1]);
        return client;
    }

    public async Task SendAsync(byte[] bytes)
    {
        var sent = 0;
        while (sent < bytes.Length)
            sent += await _socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None);
    }

    /// <summary>Sends one byte per call, so the server sees every packet split at every position.</summary>
    public async Task SendByteByByteAsync(byte[] bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
            await _socket.SendAsync(bytes.AsMemory(i, 1), SocketFlags.None);
    }

    /// <summary>Sends bytes the server may reject before reading them all; a reset while sending is not an error.</summary>
    public async Task SendIgnoringResetAsync(byte[] bytes)
    {
        try
        {
            await SendAsync(bytes);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
        {
        }
    }

    /// <summary>Reads the next whole packet, fixed header included.</summary>
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
            var read = await ReceiveAsync(cts.Token);
            if (read == 0)
                throw new InvalidOperationException($"The server closed the connection; {_pending.Length} bytes of a packet were pending.");
        }
    }

    /// <summary>
    /// Reads until the server closes the connection (a read of 0, or a reset when the server closed
    /// with our bytes unread) and returns whatever arrived before. Throws if it stays open.
    /// </summary>
    public async Task<byte[]> ReadUntilClosedAsync()
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        try
        {
            while (await ReceiveAsync(cts.Token) > 0)
            {
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"The server did not close the connection within {Wait.Bound.TotalSeconds} s.", e);
        }
        var rest = _pending;
        _pending = [];
        return rest;
    }

    /// <summary>Closes the socket with a reset and no DISCONNECT: a client that drops off the network.</summary>
    public void Drop()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public void Dispose() => _socket.Dispose();

    private async Task<int> ReceiveAsync(CancellationToken cancellationToken)
    {
        int read;
        try
        {
            read = await _socket.ReceiveAsync(_receiveBuffer, SocketFlags.None, cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            throw new TimeoutException($"Nothing arrived within {Wait.Bound.TotalSeconds} s; {_pending.Length} bytes were pending.", e);
        }
        if (read > 0)
            _pending = [.. _pending, .. _receiveBuffer.AsSpan(0, read)];
        return read;
    }
}

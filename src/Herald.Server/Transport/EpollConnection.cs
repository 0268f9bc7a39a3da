using System.Buffers;
using System.Runtime.InteropServices;
using Herald.Broker.Connections;
using Herald.Server.Mqtt;

namespace Herald.Server.Transport;

/// <summary>
/// One plain-TCP connection on an <see cref="EpollLoop"/>: a descriptor and the engine's
/// <see cref="ClientConnection"/>, and a buffer only while it holds bytes: the start of a packet
/// not yet whole, or output the socket would not take. Everything runs on its loop's thread; the
/// engine reaches it only through <see cref="OnOutboundReady"/>.
///
/// The socket is registered edge-triggered for input and output once, and never changed: input
/// is read until the socket is empty, output is written until the queue is empty or the socket
/// full, when the next edge says it has room.
/// </summary>
internal sealed class EpollConnection(EpollLoop loop, int fd) : IOutboundListener
{
    private const int ReadsPerTurn = 16;
    private const int FlushesPerTurn = 16;
    private const int SmallestPartial = 1024;

    private int _fd = fd;
    private ClientConnection _client = null!;
    private byte[]? _partial; // the start of a packet still arriving
    private int _partialLength;
    private byte[]? _unsent; // bytes the socket would not take yet
    private int _unsentOffset;
    private int _unsentLength;
    private PendingReceive? _pending; // a receive the engine awaits, which holds its buffer
    private bool _inputEnded;
    private bool _writeFailed;
    private bool _blocked; // on the loop's list of connections waiting for room

    public bool IsSocketClosed => _fd < 0;

    /// <summary>Bytes wait for room in the socket.</summary>
    public bool IsBlocked => _unsent is not null;

    /// <summary>The engine closed the connection; the socket follows once its last bytes are sent.</summary>
    public bool IsClosing => _client.IsClosed;

    /// <summary>Hands the connection to the engine and writes whatever it queued at once (a refusal, when stopping).</summary>
    public void Start(string remoteEndPoint)
    {
        _client = loop.Broker.Accept(remoteEndPoint, listener: this);
        loop.RequestFlush(this);
    }

    /// <summary>
    /// The engine queued a packet or closed the connection: the loop writes, after the events at
    /// hand, one send for all that was queued meanwhile. Whoever queued it does not write it
    /// itself: another loop would pay one send per subscriber and message of a fan-out, alone on
    /// one core (a tenth of the 1:100 throughput), and the durable store's writer its commits'
    /// time (a slower drain of an offline session, measured); neither made a measured latency shorter.
    /// </summary>
    public void OnOutboundReady() => loop.RequestFlush(this);

    /// <summary>Reads until the socket is empty, handing the bytes to the engine.</summary>
    /// <param name="hangup">The peer closed or the socket failed: read to the end rather than stop at a short read.</param>
    public unsafe void OnReadable(bool hangup)
    {
        if (_fd < 0 || _inputEnded)
            return;
        if (_pending is not null)
            return; // read once the engine is done with the bytes it has
        for (var reads = 0; reads < ReadsPerTurn; reads++)
        {
            byte[] buffer;
            int start;
            if (_partial is null)
            {
                buffer = loop.ReceiveBuffer;
                start = 0;
            }
            else
            {
                if (_partialLength == _partial.Length)
                    GrowPartial();
                buffer = _partial;
                start = _partialLength;
            }
            nint read;
            fixed (byte* p = buffer)
                read = Libc.Receive(_fd, p + start, (nuint)(buffer.Length - start), 0);
            if (read > 0)
            {
                if (!Consume(buffer, start + (int)read))
                    return;
                if (read < buffer.Length - start && !hangup)
                    return; // a short read emptied the socket; the next bytes raise a new edge
                continue;
            }
            if (read == 0)
            {
                EndInput(null);
                return;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == Libc.EAgain)
                return;
            if (errno != Libc.EIntr)
            {
                EndInput(Marshal.GetPInvokeErrorMessage(errno));
                return;
            }
        }
        loop.ReadLater(this);
    }

    /// <summary>The socket has room again: what it would not take goes first.</summary>
    public void OnWritable()
    {
        if (_unsent is not null)
            Flush();
    }

    /// <summary>Writes the queued packets, a batch per send, until the queue is empty or the socket full.</summary>
    public void Flush()
    {
        if (_fd < 0)
            return;
        if (_unsent is not null && !SendUnsent())
        {
            WaitForRoom();
            return;
        }
        var writer = loop.SendBuffer;
        for (var flushes = 0; flushes < FlushesPerTurn; flushes++)
        {
            writer.ResetWrittenCount();
            if (_client.WriteOutbound(writer) == 0)
            {
                switch (_client.ArmOutbound())
                {
                    case OutboundState.Armed:
                        return;
                    case OutboundState.Completed:
                        CloseSocket();
                        return;
                }
                continue;
            }
            if (_writeFailed)
                continue; // a dead socket takes nothing: drain the queue until it completes
            loop.Broker.Metrics.BytesSentAdd(writer.WrittenCount);
            var sent = Send(writer.WrittenSpan);
            loop.TrimSendBuffer();
            if (!sent)
            {
                WaitForRoom();
                return;
            }
        }
        loop.RequestFlush(this);
    }

    /// <summary>Closes the descriptor and gives the buffers back; the engine was told, or is now.</summary>
    public void CloseSocket()
    {
        if (_fd < 0)
            return;
        loop.Remove(this, _fd);
        Libc.Close(_fd);
        _fd = -1;
        if (_unsent is not null)
        {
            ArrayPool<byte>.Shared.Return(_unsent);
            _unsent = null;
        }
        ReturnPartial();
        _client.Close(DisconnectReason.ConnectionLost);
    }

    /// <summary>The receive the engine awaited is done: on the loop's thread again, take up where it left.</summary>
    public void OnReceiveResumed()
    {
        var pending = _pending!;
        _pending = null;
        if (_fd < 0)
        {
            ArrayPool<byte>.Shared.Return(pending.Buffer);
            return;
        }
        if (pending.Error is { } error)
        {
            ArrayPool<byte>.Shared.Return(pending.Buffer);
            HandlerLog.TransportError(loop.Logger, _client.RemoteEndPoint, error.Message);
            EndInput(null);
            return;
        }
        if (Consumed(pending.Buffer, pending.Length, pending.Consumed))
            OnReadable(hangup: true); // bytes may have come while the engine waited, and their edge was passed over
    }

    /// <summary>Hands <paramref name="length"/> bytes of <paramref name="buffer"/> to the engine; false when reading must stop.</summary>
    private bool Consume(byte[] buffer, int length)
    {
        var data = new ReadOnlySequence<byte>(buffer, 0, length);
        var receiving = _client.ReceiveAsync(data);
        if (receiving.IsCompletedSuccessfully)
            return Consumed(buffer, length, (int)data.GetOffset(receiving.Result));
        // The engine awaits (an authenticator, the cluster) and will read on in this buffer: it is
        // this connection's until then, and the loop reads into another.
        if (ReferenceEquals(buffer, loop.ReceiveBuffer))
            loop.ReplaceReceiveBuffer();
        else
            _partial = null;
        _pending = new PendingReceive(buffer, length);
        _ = AwaitReceiveAsync(receiving, data, _pending);
        return false;
    }

    private async Task AwaitReceiveAsync(ValueTask<SequencePosition> receiving, ReadOnlySequence<byte> data, PendingReceive pending)
    {
        try
        {
            pending.Consumed = (int)data.GetOffset(await receiving);
        }
        catch (Exception e)
        {
            pending.Error = e;
        }
        loop.RequestResume(this);
    }

    /// <summary>Keeps what the engine left of the buffer (a packet's start) for the next read; false when reading must stop.</summary>
    private bool Consumed(byte[] buffer, int length, int consumed)
    {
        var rest = length - consumed;
        var shared = ReferenceEquals(buffer, loop.ReceiveBuffer);
        if (_client.IsClosed)
        {
            if (!shared)
                ArrayPool<byte>.Shared.Return(buffer);
            _partial = null;
            _inputEnded = true;
            return false;
        }
        if (shared)
        {
            if (rest > 0)
            {
                _partial = ArrayPool<byte>.Shared.Rent(Math.Max(rest * 2, SmallestPartial));
                Buffer.BlockCopy(buffer, consumed, _partial, 0, rest);
                _partialLength = rest;
            }
            return true;
        }
        if (rest == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _partial = null;
            _partialLength = 0;
            return true;
        }
        if (consumed > 0)
            Buffer.BlockCopy(buffer, consumed, buffer, 0, rest);
        _partial = buffer;
        _partialLength = rest;
        return true;
    }

    private void GrowPartial()
    {
        var grown = ArrayPool<byte>.Shared.Rent(_partial!.Length * 2);
        Buffer.BlockCopy(_partial, 0, grown, 0, _partialLength);
        ArrayPool<byte>.Shared.Return(_partial);
        _partial = grown;
    }

    private void ReturnPartial()
    {
        if (_partial is null)
            return;
        ArrayPool<byte>.Shared.Return(_partial);
        _partial = null;
        _partialLength = 0;
    }

    /// <summary>The peer closed (null) or the socket failed (the reason): no more input, and the engine closes the connection.</summary>
    private void EndInput(string? failure)
    {
        _inputEnded = true;
        ReturnPartial();
        if (failure is not null)
            HandlerLog.TransportError(loop.Logger, _client.RemoteEndPoint, failure);
        _client.Close(DisconnectReason.ConnectionLost);
    }

    /// <summary>Sends all of <paramref name="bytes"/>, or keeps the rest for when the socket has room; false in that case.</summary>
    private bool Send(ReadOnlySpan<byte> bytes)
    {
        var sent = SendSome(bytes);
        if (sent == bytes.Length)
            return true;
        _unsent = ArrayPool<byte>.Shared.Rent(bytes.Length - sent);
        bytes[sent..].CopyTo(_unsent);
        _unsentOffset = 0;
        _unsentLength = bytes.Length - sent;
        return false;
    }

    /// <summary>No longer on the loop's list of connections waiting for room.</summary>
    public void Unblocked() => _blocked = false;

    private bool SendUnsent()
    {
        var sent = SendSome(_unsent.AsSpan(_unsentOffset, _unsentLength));
        _unsentOffset += sent;
        _unsentLength -= sent;
        if (_unsentLength > 0)
            return false;
        ArrayPool<byte>.Shared.Return(_unsent!);
        _unsent = null;
        return true;
    }

    /// <summary>Sends what the socket takes; all of it when the socket failed, which drops it.</summary>
    private unsafe int SendSome(ReadOnlySpan<byte> bytes)
    {
        if (_writeFailed)
            return bytes.Length;
        var sent = 0;
        fixed (byte* p = bytes)
        {
            while (sent < bytes.Length)
            {
                var n = Libc.Send(_fd, p + sent, (nuint)(bytes.Length - sent), Libc.MsgNoSignal);
                if (n >= 0)
                {
                    sent += (int)n;
                    continue;
                }
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Libc.EIntr)
                    continue;
                if (errno == Libc.EAgain)
                    return sent;
                _writeFailed = true;
                HandlerLog.TransportError(loop.Logger, _client.RemoteEndPoint, Marshal.GetPInvokeErrorMessage(errno));
                _client.Close(DisconnectReason.ConnectionLost);
                return bytes.Length;
            }
        }
        return sent;
    }

    /// <summary>The loop watches a connection whose socket is full: once closed, it waits for room a bounded time only.</summary>
    private void WaitForRoom()
    {
        if (_blocked)
            return;
        _blocked = true;
        loop.Blocked(this);
    }

    /// <summary>A receive the engine has not finished: the buffer it reads, and how far it got.</summary>
    private sealed class PendingReceive(byte[] buffer, int length)
    {
        public byte[] Buffer { get; } = buffer;

        public int Length { get; } = length;

        public int Consumed { get; set; }

        public Exception? Error { get; set; }
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Herald.Server.Mqtt;

namespace Herald.Server.Transport;

/// <summary>
/// One thread with one epoll set: it accepts connections from the listeners (each loop takes its
/// turn, EPOLLEXCLUSIVE), reads and writes its connections, and runs the engine inline, so a
/// packet goes from the socket to its subscribers' sockets without a thread hop. Its buffers are
/// shared by its connections: an idle connection holds no buffer at all.
///
/// Other threads reach a connection only through <see cref="RequestFlush"/> and
/// <see cref="RequestResume"/>, which queue it for this thread and wake it (an eventfd) once per
/// batch; everything else here runs on the loop's thread alone.
/// </summary>
internal sealed unsafe partial class EpollLoop
{
    private const int MaxEvents = 256;
    private const int AcceptsPerWake = 64;
    private const int BufferSize = 64 * 1024;
    private const ulong ListenerTag = 1ul << 32;
    private const ulong WakeTag = 2ul << 32;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan AcceptPause = TimeSpan.FromMilliseconds(100);

    [ThreadStatic]
    private static EpollLoop? t_current;

    private readonly Broker.Broker _broker;
    private readonly ILogger _logger;
    private readonly int[] _listeners; // descriptors of the listening sockets
    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<EpollConnection> _flushRequests = new();
    private readonly ConcurrentQueue<EpollConnection> _resumeRequests = new();
    private readonly List<EpollConnection> _flushNow = [];
    private readonly List<EpollConnection> _readNow = [];
    private readonly List<(EpollConnection Connection, long ClosedAt)> _blocked = [];
    private EpollConnection?[] _byFd = new EpollConnection?[1024];
    private int _wakePending;
    private int _sleeping; // 1 while in epoll_wait (or about to be)
    private long _acceptPausedAt; // when accepting stopped for want of descriptors; 0 while accepting
    private volatile bool _accepting = true;
    private volatile bool _stopped;
    private int _open;

    public EpollLoop(int index, Broker.Broker broker, int[] listeners, ILogger logger)
    {
        _broker = broker;
        _logger = logger;
        _listeners = listeners;
        _epoll = Libc.EpollCreate(Libc.EpollCloexec);
        if (_epoll < 0)
            throw Libc.Error("epoll_create1");
        _wake = Libc.EventFd(0, Libc.EfdNonBlock | Libc.EfdCloexec);
        if (_wake < 0)
            throw Libc.Error("eventfd");
        Libc.EpollAdd(_epoll, _wake, Libc.EpollIn, WakeTag);
        AddListeners();
        _thread = new Thread(Run) { IsBackground = true, Name = $"herald-epoll-{index}" };
    }

    /// <summary>The buffer every read of this loop's connections goes into first.</summary>
    public byte[] ReceiveBuffer { get; private set; } = ArrayPool<byte>.Shared.Rent(BufferSize);

    /// <summary>Where a connection's queued packets are encoded before they are sent.</summary>
    public ArrayBufferWriter<byte> SendBuffer { get; private set; } = new(BufferSize);

    public Broker.Broker Broker => _broker;

    public ILogger Logger => _logger;

    /// <summary>Connections of this loop whose socket is still open.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    public void Start() => _thread.Start();

    /// <summary>No more accepts: the listeners are about to close.</summary>
    public void StopAccepting() => _accepting = false;

    /// <summary>Closes what is still open, ends the thread and frees the descriptors.</summary>
    public void Stop()
    {
        _stopped = true;
        Interlocked.MemoryBarrier(); // the flag before the look at _sleeping, as Run looks at them the other way round
        Wake();
        _thread.Join();
        Libc.Close(_wake);
        Libc.Close(_epoll);
        ArrayPool<byte>.Shared.Return(ReceiveBuffer);
    }

    /// <summary>An async receive kept the read buffer: the loop reads into a new one.</summary>
    public void ReplaceReceiveBuffer() => ReceiveBuffer = ArrayPool<byte>.Shared.Rent(BufferSize);

    /// <summary>After an unusually large packet, the send buffer goes back to its usual size.</summary>
    public void TrimSendBuffer()
    {
        if (SendBuffer.Capacity > 16 * BufferSize)
            SendBuffer = new ArrayBufferWriter<byte>(BufferSize);
    }

    /// <summary>Flushes the connection on this loop's thread, after the events at hand.</summary>
    public void RequestFlush(EpollConnection connection)
    {
        if (t_current == this)
        {
            _flushNow.Add(connection);
            return;
        }
        _flushRequests.Enqueue(connection);
        Wake();
    }

    /// <summary>Goes on with the connection once the engine finished a receive it awaited.</summary>
    public void RequestResume(EpollConnection connection)
    {
        _resumeRequests.Enqueue(connection);
        Wake();
    }

    /// <summary>Reads on once the other connections had their turn (this one had many reads in a row).</summary>
    public void ReadLater(EpollConnection connection) => _readNow.Add(connection);

    /// <summary>
    /// The connection's socket is full. Once the engine closed it, the socket closes when its last
    /// bytes go, or after <see cref="DrainTimeout"/> if the peer takes none.
    /// </summary>
    public void Blocked(EpollConnection connection) => _blocked.Add((connection, 0));

    public void Remove(EpollConnection connection, int fd)
    {
        if (fd < _byFd.Length && ReferenceEquals(_byFd[fd], connection))
            _byFd[fd] = null;
        Interlocked.Decrement(ref _open);
    }

    private void Wake()
    {
        // A loop awake reads its queues before it sleeps again (see Run): no need to write the eventfd.
        if (Volatile.Read(ref _sleeping) == 0 || Interlocked.Exchange(ref _wakePending, 1) != 0)
            return;
        ulong one = 1;
        Libc.Write(_wake, (byte*)&one, sizeof(ulong));
    }

    private void Run()
    {
        t_current = this;
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Libc.EpollEventSize));
        try
        {
            while (!_stopped)
            {
                var timeout = _blocked.Count > 0 || _acceptPausedAt != 0 ? 100 : -1;
                // Sleeping is announced before the queues are looked at, and a producer looks at it
                // after it queued: one of the two sees the other, so no request waits out a sleep.
                Interlocked.Exchange(ref _sleeping, 1);
                if (!_flushRequests.IsEmpty || !_resumeRequests.IsEmpty || _readNow.Count > 0 || _flushNow.Count > 0 || _stopped)
                    timeout = 0;
                var count = Libc.EpollWait(_epoll, events, MaxEvents, timeout);
                Volatile.Write(ref _sleeping, 0);
                if (count < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Libc.EIntr)
                        continue;
                    throw Libc.Error("epoll_wait");
                }
                for (var i = 0; i < count; i++)
                {
                    var ev = events + i * Libc.EpollEventSize;
                    Dispatch(*(uint*)ev, Unaligned(ev + Libc.EpollDataOffset));
                }
                RunRequests();
                WatchBlocked();
                ResumeAccepting();
            }
            CloseAll();
        }
        catch (Exception e)
        {
            LoopFailed(_logger, _thread.Name!, e);
            CloseAll();
        }
        finally
        {
            NativeMemory.Free(events);
        }
    }

    private static ulong Unaligned(byte* p) => System.Runtime.CompilerServices.Unsafe.ReadUnaligned<ulong>(p);

    private void Dispatch(uint mask, ulong data)
    {
        if (data == WakeTag)
        {
            ulong value;
            Libc.Read(_wake, (byte*)&value, sizeof(ulong));
            Volatile.Write(ref _wakePending, 0); // before the queues are read, so nothing queued after is missed
            return;
        }
        if ((data & ListenerTag) != 0)
        {
            Accept((int)(uint)data);
            return;
        }
        var fd = (int)data;
        if (fd >= _byFd.Length || _byFd[fd] is not { } connection)
            return;
        var hangup = (mask & (Libc.EpollErr | Libc.EpollHup | Libc.EpollRdHup)) != 0;
        if ((mask & (Libc.EpollOut | Libc.EpollErr | Libc.EpollHup)) != 0)
            connection.OnWritable();
        if ((mask & Libc.EpollIn) != 0 || hangup)
            connection.OnReadable(hangup);
    }

    private void RunRequests()
    {
        while (_resumeRequests.TryDequeue(out var resumed))
            resumed.OnReceiveResumed();
        // Reads first: they queue the packets the flushes then write, one send per connection per
        // batch. A connection that asks for another turn (ReadLater, more queued than one flush
        // writes) gets it in the next round, after epoll_wait looked for others' events.
        var reads = _readNow.Count;
        for (var i = 0; i < reads; i++)
            _readNow[i].OnReadable(hangup: true);
        _readNow.RemoveRange(0, reads);
        while (_flushRequests.TryDequeue(out var requested))
            requested.Flush();
        var flushes = _flushNow.Count;
        for (var i = 0; i < flushes; i++)
            _flushNow[i].Flush();
        _flushNow.RemoveRange(0, flushes);
    }

    private void WatchBlocked()
    {
        for (var i = _blocked.Count - 1; i >= 0; i--)
        {
            var (connection, closedAt) = _blocked[i];
            if (connection.IsSocketClosed || !connection.IsBlocked)
            {
                connection.Unblocked();
                _blocked.RemoveAt(i);
            }
            else if (connection.IsClosing && closedAt == 0)
                _blocked[i] = (connection, _broker.Time.GetTimestamp());
            else if (closedAt != 0 && _broker.Time.GetElapsedTime(closedAt) >= DrainTimeout)
            {
                connection.CloseSocket();
                connection.Unblocked();
                _blocked.RemoveAt(i);
            }
        }
    }

    private void Accept(int listener)
    {
        if (!_accepting)
            return;
        var address = stackalloc byte[128];
        for (var i = 0; i < AcceptsPerWake; i++)
        {
            var length = 128u;
            var fd = Libc.Accept(listener, address, &length, Libc.SockNonBlock | Libc.SockCloexec);
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno is Libc.EIntr or Libc.EConnAborted)
                    continue;
                if (errno is Libc.EMFile or Libc.ENFile or Libc.ENoBufs or Libc.ENoMem)
                    PauseAccepting(Marshal.GetPInvokeErrorMessage(errno));
                return; // EAGAIN: no one else waits; EBADF: the listener closed as the server stops
            }
            var noDelay = 1;
            Libc.SetSocketOption(fd, Libc.IpProtoTcp, Libc.TcpNoDelay, (byte*)&noDelay, sizeof(int));
            var connection = new EpollConnection(this, fd);
            if (fd >= _byFd.Length)
                Array.Resize(ref _byFd, Math.Max(fd + 1, _byFd.Length * 2));
            _byFd[fd] = connection;
            Interlocked.Increment(ref _open);
            connection.Start(Describe(address));
            Libc.EpollAdd(_epoll, fd, Libc.EpollIn | Libc.EpollOut | Libc.EpollRdHup | Libc.EpollEdgeTriggered, (ulong)fd);
        }
    }

    /// <summary>
    /// Out of descriptors or memory: the listener stays readable, so a level-triggered accept
    /// would spin. This loop leaves the listeners alone for a moment; pending clients wait in the
    /// backlog meanwhile.
    /// </summary>
    private void PauseAccepting(string reason)
    {
        if (_acceptPausedAt != 0 || !_accepting)
            return;
        AcceptPaused(_logger, reason, AcceptPause.TotalMilliseconds);
        foreach (var listener in _listeners)
            Libc.EpollCtl(_epoll, Libc.EpollCtlDel, listener, null);
        _acceptPausedAt = _broker.Time.GetTimestamp();
    }

    private void ResumeAccepting()
    {
        if (_acceptPausedAt == 0 || _broker.Time.GetElapsedTime(_acceptPausedAt) < AcceptPause || !_accepting)
            return;
        _acceptPausedAt = 0;
        AddListeners();
    }

    private void AddListeners()
    {
        foreach (var listener in _listeners)
            Libc.EpollAdd(_epoll, listener, Libc.EpollIn | Libc.EpollExclusive, ListenerTag | (uint)listener);
    }

    /// <summary>The peer's address as <c>IPEndPoint.ToString</c> writes it (an IPv4 client of a dual-stack listener as IPv4).</summary>
    private static string Describe(byte* address)
    {
        var family = *(ushort*)address;
        var port = (ushort)((address[2] << 8) | address[3]);
        var ip = family == (ushort)AddressFamily.InterNetwork
            ? new IPAddress(new ReadOnlySpan<byte>(address + 4, 4))
            : new IPAddress(new ReadOnlySpan<byte>(address + 8, 16), *(uint*)(address + 24));
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        return new IPEndPoint(ip, port).ToString();
    }

    private void CloseAll()
    {
        foreach (var connection in _byFd)
            connection?.CloseSocket();
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Warning, Message = "MQTT accept paused for {Milliseconds} ms: {Reason}")]
    private static partial void AcceptPaused(ILogger logger, string reason, double milliseconds);

    [LoggerMessage(EventId = 121, Level = LogLevel.Critical, Message = "MQTT transport loop {Loop} failed; its connections were closed")]
    private static partial void LoopFailed(ILogger logger, string loop, Exception exception);
}

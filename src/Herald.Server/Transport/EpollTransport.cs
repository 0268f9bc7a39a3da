using System.Net;
using System.Net.Sockets;
using Herald.Server.Configuration;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Herald.Server.Transport;

/// <summary>
/// Plain-TCP MQTT on Linux without Kestrel: the listening sockets and one <see cref="EpollLoop"/>
/// per core. Kestrel's socket transport gives each connection two pipes, a socket object with
/// its async machinery and two tasks, about 3 KB while the connection idles; here an idle
/// connection is a descriptor and one small object. TLS and WebSocket stay on Kestrel.
/// </summary>
public sealed class EpollTransport(Broker.Broker broker, IOptions<HeraldOptions> options, ILogger<EpollTransport> logger) : IHostedService
{
    private const int Backlog = 4096;
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly List<Socket> _listeners = [];
    private readonly List<EpollLoop> _loops = [];

    /// <summary>Sockets open on the loops, including those the engine closed whose last bytes are still going out.</summary>
    public int OpenSockets => _loops.Sum(l => l.OpenConnections);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var mqtt = options.Value.Mqtt;
        try
        {
            foreach (var endPoint in EndPoints(mqtt.Address, mqtt.Port))
                _listeners.Add(Listen(endPoint));
        }
        catch (SocketException e) when (mqtt.Address == ListenAddress.Localhost && _listeners.Count > 0 && e.SocketErrorCode == SocketError.AddressNotAvailable)
        {
            // localhost without IPv6: 127.0.0.1 alone, as Kestrel does.
        }
        catch (SocketException e)
        {
            CloseListeners();
            // What Kestrel throws when the port is taken, so callers handle both alike.
            var reason = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? "address already in use" : e.Message;
            var message = $"Failed to bind to address {ListenAddress.Describe(mqtt.Address, mqtt.Port)}: {reason}.";
            throw new IOException(message, e.SocketErrorCode == SocketError.AddressAlreadyInUse ? new AddressInUseException(message, e) : e);
        }
        var listeners = _listeners.Select(l => (int)l.Handle).ToArray();
        var threads = mqtt.TransportThreads > 0 ? mqtt.TransportThreads : Environment.ProcessorCount;
        for (var i = 0; i < threads; i++)
            _loops.Add(new EpollLoop(i, broker, listeners, logger));
        foreach (var loop in _loops)
            loop.Start();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops accepting; the broker already closed every client as shutdown began, so the loops
    /// wait for their sockets to flush, then close what is left.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var loop in _loops)
            loop.StopAccepting();
        CloseListeners();
        var deadline = DateTime.UtcNow + StopTimeout;
        while (_loops.Any(l => l.OpenConnections > 0) && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            await Task.Delay(20, CancellationToken.None);
        foreach (var loop in _loops)
            loop.Stop();
        _loops.Clear();
    }

    private static IEnumerable<IPEndPoint> EndPoints(string address, int port) => address switch
    {
        ListenAddress.Localhost => [new IPEndPoint(IPAddress.Loopback, port), new IPEndPoint(IPAddress.IPv6Loopback, port)],
        ListenAddress.Any => [new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, port)],
        _ => [new IPEndPoint(IPAddress.Parse(address), port)],
    };

    private static Socket Listen(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (endPoint.Address.Equals(IPAddress.IPv6Any))
                socket.DualMode = true; // "*" takes IPv4 clients too
            socket.Bind(endPoint);
            socket.Listen(Backlog);
            socket.Blocking = false; // the loops accept until EAGAIN
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void CloseListeners()
    {
        foreach (var listener in _listeners)
            listener.Dispose();
        _listeners.Clear();
    }
}

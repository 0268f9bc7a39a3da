using System.Net;
using System.Net.Sockets;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

public sealed class ShutdownTests
{
    [Fact]
    public async Task Stop_completes_with_clients_connected_and_closes_their_connections()
    {
        await using var server = await HeraldServer.StartAsync();
        var accepted = new ConnectionWatcher(server);
        using var beforeConnect = await RawClient.ConnectAsync(server.MqttPort);
        await accepted.WaitForConnectionAsync();
        await using var mqttnet = await MqttNetClient.ConnectAsync(server.MqttPort, "connected");
        await mqttnet.SubscribeAsync(Unique.Topic("shutdown"), MqttQualityOfServiceLevel.AtLeastOnce);
        using var raw = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect("raw", keepAliveSeconds: 60));

        await server.App.StopAsync().WaitAsync(Wait.Bound);

        await mqttnet.Disconnected.WaitAsync(Wait.Bound);
        Assert.Empty(await raw.ReadUntilClosedAsync());
        Assert.Empty(await beforeConnect.ReadUntilClosedAsync());
        Assert.Equal(0, server.Broker.ConnectionCount);
    }

    [Fact]
    public async Task Connection_accepted_while_stopping_is_closed_at_once()
    {
        // A fake clock that never moves: the connect timeout cannot be what closes the connection.
        var time = new FakeTimeProvider();
        HeraldServer? server = null;
        ConnectionWatcher? accepted = null;
        var late = new TaskCompletionSource<(RawClient Client, bool EngineStopping)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var started = server = await HeraldServer.StartAsync(time, services =>
        {
            // Bounds how long a connection left open can hold up the host's stop and dispose.
            services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));
            services.AddHostedService(sp => new StopHook(sp.GetRequiredService<IHostApplicationLifetime>(), async () =>
            {
                // The engine was told to stop; Kestrel still accepts and hands the socket over.
                var client = await RawClient.ConnectAsync(server!.MqttPort);
                await accepted!.WaitForConnectionAsync();
                late.SetResult((client, server.Broker.IsStopping));
            }));
        });
        accepted = new ConnectionWatcher(server);

        var stopping = server.App.StopAsync();
        var (client, engineStopping) = await late.Task.WaitAsync(Wait.Bound);
        using var _ = client;

        Assert.True(engineStopping);
        // Left open, it holds Kestrel's shutdown until its connect timeout or the host's shutdown timeout.
        Assert.Empty(await client.ReadUntilClosedAsync());
        await stopping.WaitAsync(Wait.Bound);
    }

    [Fact]
    public async Task Connect_while_stopping_is_not_accepted()
    {
        HeraldServer? server = null;
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var started = server = await HeraldServer.StartAsync(configureServices: services =>
            services.AddHostedService(sp => new StopHook(sp.GetRequiredService<IHostApplicationLifetime>(), async () =>
            {
                using var client = await RawClient.ConnectAsync(server!.MqttPort);
                await client.SendAsync(Packets.Connect("too-late"));
                reply.SetResult(await client.ReadUntilClosedAsync());
            })));

        await server.App.StopAsync().WaitAsync(Wait.Bound);

        // Refused with CONNACK 0x03 server unavailable, or closed before CONNECT was read: never accepted.
        var refusal = await reply.Task.WaitAsync(Wait.Bound);
        Assert.True(refusal is [] or [0x20, 0x02, 0x00, 0x03], $"Reply: {Convert.ToHexString(refusal)}");
    }

    [Fact]
    public async Task Stopped_server_no_longer_accepts_connections()
    {
        await using var server = await HeraldServer.StartAsync();

        await server.App.StopAsync().WaitAsync(Wait.Bound);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var e = await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.MqttPort)));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
    }
}

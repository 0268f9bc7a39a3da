using System.Net;
using System.Net.Sockets;
using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Transport;

/// <summary>
/// The epoll transport (plain TCP's default on Linux) at its edges: packets larger than a loop's
/// 64 KB read buffer, output larger than the socket takes at once, many packets in one read, and
/// both loopback listeners of <c>localhost</c>. The rest of the suite runs over it too.
/// </summary>
public sealed class EpollTransportTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    public async Task Publish_larger_than_the_read_buffer_arrives_whole_at_a_raw_subscriber()
    {
        var topic = Unique.Topic("large");
        var payload = new string('x', 300_000) + "end";
        using var subscriber = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("sub")));
        await subscriber.SendAsync(Packets.Subscribe(1, topic, QualityOfService.AtMostOnce));
        await subscriber.ReadPacketAsync(); // SUBACK
        using var publisher = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("pub")));

        // One write of 300 KB: the server reads it in pieces and the socket to the subscriber
        // takes it in pieces too.
        await publisher.SendAsync(Packets.Publish(topic, payload, QualityOfService.AtLeastOnce, packetId: 7));

        Assert.Equal([0x40, 0x02, 0x00, 0x07], await publisher.ReadPacketAsync());
        var delivered = Packets.ReadPublish(await subscriber.ReadPacketAsync());
        Assert.Equal(topic, delivered.Topic);
        Assert.Equal(payload.Length, delivered.Payload.Length);
        Assert.Equal(payload, System.Text.Encoding.UTF8.GetString(System.Buffers.BuffersExtensions.ToArray(delivered.Payload)));
    }

    [Fact]
    public async Task Thousand_pings_in_one_write_get_a_thousand_answers()
    {
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("pings")));

        await client.SendAsync(Packets.Concat([.. Enumerable.Repeat(Packets.PingReq(), 1000)]));

        for (var i = 0; i < 1000; i++)
            Assert.Equal([0xD0, 0x00], await client.ReadPacketAsync());
    }

    [Fact]
    public async Task Message_fanned_out_to_fifty_subscribers_reaches_each_once()
    {
        var topic = Unique.Topic("fan");
        var subscribers = new List<RawClient>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var s = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId($"fan{i}")));
                subscribers.Add(s);
                await s.SendAsync(Packets.Subscribe(1, topic, QualityOfService.AtMostOnce));
                await s.ReadPacketAsync(); // SUBACK
            }

            await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, topic, "to all", MqttQualityOfServiceLevel.AtMostOnce);
            await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, topic, "again", MqttQualityOfServiceLevel.AtMostOnce);

            foreach (var s in subscribers)
            {
                Assert.Equal(Packets.Publish(topic, "to all"), await s.ReadPacketAsync());
                Assert.Equal(Packets.Publish(topic, "again"), await s.ReadPacketAsync());
            }
        }
        finally
        {
            foreach (var s in subscribers)
                s.Dispose();
        }
    }
}

/// <summary>A peer that stops reading cannot hold its socket open past the drain timeout once the engine closed it.</summary>
public sealed class EpollStalledReaderTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Socket_of_a_client_that_stopped_reading_is_closed_after_its_keepalive_and_the_drain_timeout()
    {
        var transport = server.App.Services.GetServices<IHostedService>().OfType<Herald.Server.Transport.EpollTransport>().Single();
        var topic = Unique.Topic("stalled");
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.MqttPort));
        await stalled.SendAsync(Packets.Concat(
            Packets.Connect(Unique.ClientId("stalled"), keepAliveSeconds: 1),
            Packets.Subscribe(1, topic, QualityOfService.AtMostOnce)));
        await Poll.UntilAsync(() => Task.FromResult(server.Broker.Subscriptions.CountMatching(topic)), n => n == 1, "the stalled client's subscription");
        var open = transport.OpenSockets;

        // Far more than the two socket buffers hold; the client reads none of it and sends no PINGREQ.
        var payload = new string('x', 60_000);
        using (var publisher = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("flood"))))
        {
            for (var i = 0; i < 200; i++)
                await publisher.SendAsync(Packets.Publish(topic, payload));
            await publisher.SendAsync(Packets.Disconnect());
        }

        // 1.5 s of keep-alive, the wheel's second, then 5 s for the full socket to take its last bytes.
        await Poll.UntilAsync(() => Task.FromResult(transport.OpenSockets), n => n < open, "sockets open", TimeSpan.FromSeconds(20));
        Assert.Equal(0, server.Broker.Subscriptions.CountMatching(topic));
    }
}

/// <summary><c>Herald:Mqtt:Address=localhost</c> listens on both loopback addresses, as Kestrel did.</summary>
public sealed class EpollLocalhostListenerTests : IAsyncLifetime
{
    private HeraldServer? _server;

    public async Task InitializeAsync() => _server = await HeraldServer.StartAsync(extraArgs: "--Herald:Mqtt:Address=localhost");

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    public async Task Localhost_listener_accepts_mqtt_on_each_loopback_address(string address)
    {
        var ip = IPAddress.Parse(address);
        using var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(ip, _server!.MqttPort));
        await socket.SendAsync(Packets.Connect(Unique.ClientId("lo")));

        var connAck = new byte[4];
        var read = 0;
        while (read < 4)
        {
            var n = await socket.ReceiveAsync(connAck.AsMemory(read));
            Assert.NotEqual(0, n);
            read += n;
        }
        Assert.Equal(Packets.ConnAckAccepted, connAck);
    }
}

/// <summary><c>Herald:Mqtt:Transport=Kestrel</c> puts plain TCP back on Kestrel's socket transport (what other systems use).</summary>
public sealed class KestrelTransportTests : IAsyncLifetime
{
    private HeraldServer? _server;

    public async Task InitializeAsync() => _server = await HeraldServer.StartAsync(extraArgs: "--Herald:Mqtt:Transport=Kestrel");

    public async Task DisposeAsync() => await _server!.DisposeAsync();

    [Fact]
    public async Task Kestrel_transport_delivers_qos1_from_mosquitto_to_mqttnet()
    {
        var topic = Unique.Topic("kestrel");
        await using var subscriber = await MqttNetClient.ConnectAsync(_server!.MqttPort, Unique.ClientId("sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Clients.PublishAsync(ClientKind.Mosquitto, _server.MqttPort, topic, "over kestrel", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(new Received(topic, "over kestrel", 1, false), await subscriber.ReceiveAsync());
    }
}

using System.Net;
using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// MQTT over WebSocket at /mqtt on the HTTP port, and over secure WebSocket on the HTTPS port
/// (MQTT 3.1.1 section 6): MQTTnet and paho, mixed with TCP clients, and the framing rules.
/// </summary>
public sealed class WebSocketTests(TlsServer server) : IClassFixture<TlsServer>
{
    private const MqttQualityOfServiceLevel AtLeastOnce = MqttQualityOfServiceLevel.AtLeastOnce;

    private string WsUri => $"ws://127.0.0.1:{server.HttpPort}/mqtt";

    private string WssUri => $"wss://127.0.0.1:{server.HttpTlsPort}/mqtt";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MQTTnet_publishes_and_subscribes_over_WebSocket_at_QoS_1(bool secure)
    {
        var topic = Unique.Topic(secure ? "wss-net" : "ws-net");
        await using var subscriber = await ConnectMqttNetAsync(secure, "wsub");
        await subscriber.SubscribeAsync(topic, AtLeastOnce);

        await using (var publisher = await ConnectMqttNetAsync(secure, "wpub"))
            await publisher.PublishAsync(topic, "over WebSocket", AtLeastOnce);

        Assert.Equal(new Received(topic, "over WebSocket", 1, false), await subscriber.ReceiveAsync());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Paho_publishes_and_subscribes_over_WebSocket(bool secure)
    {
        var topic = Unique.Topic(secure ? "wss-paho" : "ws-paho");
        var (port, caFile) = secure ? (server.HttpTlsPort, server.CaFile) : (server.HttpPort, null);
        await using var subscriber = await PahoTransport.SubscribeAsync(port, webSocket: true, caFile, topic, AtLeastOnce);

        await PahoTransport.PublishAsync(port, webSocket: true, caFile, topic, "from paho over WebSocket", AtLeastOnce);

        Assert.Equal(new Received(topic, "from paho over WebSocket", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task TCP_and_WebSocket_clients_exchange_messages_both_ways()
    {
        var toTcp = Unique.Topic("ws-to-tcp");
        var toWebSocket = Unique.Topic("tcp-to-ws");
        await using var tcpSubscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("tcpsub"));
        await tcpSubscriber.SubscribeAsync(toTcp, AtLeastOnce);
        await using var webSocketClient = await ConnectMqttNetAsync(secure: false, "wsboth");
        await webSocketClient.SubscribeAsync(toWebSocket, AtLeastOnce);

        await webSocketClient.PublishAsync(toTcp, "from WebSocket", AtLeastOnce);
        await Mosquitto.PublishAsync(server.MqttPort, toWebSocket, "from TCP", AtLeastOnce);

        Assert.Equal(new Received(toTcp, "from WebSocket", 1, false), await tcpSubscriber.ReceiveAsync());
        Assert.Equal(new Received(toWebSocket, "from TCP", 1, false), await webSocketClient.ReceiveAsync());
    }

    [Theory]
    [InlineData(new[] { "mqtt" }, "mqtt")]
    [InlineData(new[] { "mqttv3.1" }, "mqttv3.1")]
    [InlineData(new[] { "mqttv3.1", "mqtt" }, "mqtt")]
    [InlineData(new[] { "wamp", "mqtt" }, "mqtt")]
    [Trait("Spec", "MQTT-6.0.0-4")]
    public async Task Server_answers_with_the_mqtt_subprotocol_the_client_offered(string[] offered, string chosen)
    {
        using var client = await RawWebSocketClient.ConnectAsync(WsUri, offered);
        await client.SendAsync(Packets.Connect(Unique.ClientId("subproto")));

        Assert.Equal(chosen, client.SubProtocol);
        Assert.Equal(Packets.ConnAckAccepted, await client.ReadPacketAsync());
    }

    [Theory]
    [InlineData("")]
    [InlineData("wamp")]
    [InlineData("wamp,mqttv5")]
    [Trait("Spec", "MQTT-6.0.0-3")]
    public async Task WebSocket_without_the_mqtt_subprotocol_is_refused_with_400(string offered)
    {
        using var webSocket = new ClientWebSocket();
        webSocket.Options.CollectHttpResponseDetails = true;
        foreach (var subprotocol in offered.Split(',', StringSplitOptions.RemoveEmptyEntries))
            webSocket.Options.AddSubProtocol(subprotocol);
        using var cts = new CancellationTokenSource(Wait.Bound);

        await Assert.ThrowsAsync<WebSocketException>(() => webSocket.ConnectAsync(new Uri(WsUri), cts.Token));

        Assert.Equal(HttpStatusCode.BadRequest, webSocket.HttpStatusCode);
    }

    [Fact]
    public async Task Plain_GET_on_the_WebSocket_path_gets_a_400_problem()
    {
        using var http = new HttpClient { Timeout = Wait.Bound };

        using var response = await http.GetAsync($"http://127.0.0.1:{server.HttpPort}/mqtt");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("WebSocket", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-6.0.0-2")]
    public async Task Packets_split_across_messages_and_packed_into_one_are_all_read()
    {
        var topic = Unique.Topic("ws-frames");
        using var client = await RawWebSocketClient.ConnectAsync(WsUri, "mqtt");

        // CONNECT one byte per WebSocket message, then SUBSCRIBE and PUBLISH in a single message.
        foreach (var b in Packets.Connect(Unique.ClientId("frames")))
            await client.SendAsync([b]);
        Assert.Equal(Packets.ConnAckAccepted, await client.ReadPacketAsync());
        await client.SendAsync(Packets.Concat(
            Packets.Subscribe(1, topic, QualityOfService.AtMostOnce),
            Packets.Publish(topic, "to myself")));

        Assert.Equal(PacketType.SubAck, PacketFrame.TypeOf((await client.ReadPacketAsync())[0]));
        var publish = Packets.ReadPublish(await client.ReadPacketAsync());
        Assert.Equal(topic, publish.Topic);
        Assert.Equal("to myself", Packets.PayloadOf(publish));
    }

    [Fact]
    public async Task Packet_larger_than_the_pipe_buffers_arrives_whole()
    {
        var topic = Unique.Topic("ws-big");
        var payload = new string('y', 3 * 1024 * 1024);
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("bigsub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtMostOnce);
        using var client = await RawWebSocketClient.ConnectAsync(WsUri, "mqtt");
        await client.SendAsync(Packets.Connect(Unique.ClientId("bigpub")));
        Assert.Equal(Packets.ConnAckAccepted, await client.ReadPacketAsync());

        await client.SendAsync(Packets.Publish(topic, payload));

        Assert.Equal(payload, (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-6.0.0-1")]
    public async Task Text_message_closes_the_connection()
    {
        using var client = await RawWebSocketClient.ConnectAsync(WsUri, "mqtt");

        await client.SendAsync(Packets.Connect(Unique.ClientId("text")), WebSocketMessageType.Text);

        var (_, before) = await client.ReadUntilClosedAsync();
        Assert.Empty(before); // no CONNACK
    }

    [Fact]
    public async Task Connection_the_engine_closes_ends_with_a_WebSocket_closing_handshake()
    {
        // Takeover closes the first connection from the engine's side while its read is pending:
        // the WebSocket must close cleanly rather than be aborted.
        var clientId = Unique.ClientId("wstake");
        using var first = await RawWebSocketClient.ConnectAsync(WsUri, "mqtt");
        await first.SendAsync(Packets.Connect(clientId, cleanSession: false));
        Assert.Equal(Packets.ConnAckAccepted, await first.ReadPacketAsync());

        using var second = await RawClient.ConnectAsync(server.MqttPort);
        await second.SendAsync(Packets.Connect(clientId, cleanSession: false));

        var (status, _) = await first.ReadUntilClosedAsync();
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
    }

    [Fact]
    public async Task Server_stop_closes_WebSocket_clients_with_a_closing_handshake()
    {
        await using var own = await HeraldServer.StartAsync();
        using var client = await RawWebSocketClient.ConnectAsync($"ws://127.0.0.1:{own.HttpPort}/mqtt", "mqtt");
        await client.SendAsync(Packets.Connect(Unique.ClientId("wsstop")));
        Assert.Equal(Packets.ConnAckAccepted, await client.ReadPacketAsync());

        var closed = client.ReadUntilClosedAsync();
        await own.App.StopAsync().WaitAsync(Wait.Bound);

        var (status, _) = await closed;
        Assert.Equal(WebSocketCloseStatus.NormalClosure, status);
        Assert.Equal(0, own.Broker.ConnectionCount);
    }

    [Fact]
    public async Task WebSocket_clients_dropping_while_the_server_writes_cause_no_error()
    {
        // Each client drops at some point of a flood of messages to it; over twenty rounds some
        // drops land in the middle of a write, whose failure must stay a logged transport error.
        var capture = new LogCapture();
        await using var own = await HeraldServer.StartAsync(configureServices: s => s.AddLogging(b => b.AddProvider(capture).AddFilter<LogCapture>(null, LogLevel.Warning)));
        using var publisher = await RawClient.ConnectMqttAsync(own.MqttPort, Packets.Connect(Unique.ClientId("flood")));
        var payload = new string('x', 4000);

        for (var round = 0; round < 20; round++)
        {
            var topic = Unique.Topic("ws-drop");
            using var client = await RawWebSocketClient.ConnectAsync($"ws://127.0.0.1:{own.HttpPort}/mqtt", "mqtt");
            await client.SendAsync(Packets.Connect(Unique.ClientId("wsdrop")));
            await client.ReadPacketAsync();
            await client.SendAsync(Packets.Subscribe(1, topic, QualityOfService.AtMostOnce));
            await client.ReadPacketAsync();
            var burst = Packets.Concat([.. Enumerable.Range(0, 1000).Select(_ => Packets.Publish(topic, payload))]);

            await publisher.SendAsync(burst);
            await client.ReadPacketAsync();
            client.Dispose();
        }
        await own.App.StopAsync().WaitAsync(Wait.Bound);

        Assert.DoesNotContain("Error|", capture.Transcript);
    }

    [Fact]
    public async Task WebSocket_client_is_known_by_its_IP_address_and_port()
    {
        var capture = new LogCapture();
        await using var own = await HeraldServer.StartAsync(configureServices: s => s.AddLogging(b => b.AddProvider(capture).AddFilter<LogCapture>(null, LogLevel.Information)));
        var clientId = Unique.ClientId("wsaddr");
        using var client = await RawWebSocketClient.ConnectAsync($"ws://127.0.0.1:{own.HttpPort}/mqtt", "mqtt");

        await client.SendAsync(Packets.Connect(clientId));
        await client.ReadPacketAsync();

        var connected = await capture.WaitForLineAsync(l => l.Contains(clientId, StringComparison.Ordinal));
        Assert.Matches($@"(^|\s){Regex.Escape(client.LocalEndPoint.ToString()!)}(\s|$)", connected);
    }

    private async Task<MqttNetWebSocketClient> ConnectMqttNetAsync(bool secure, string prefix) => secure
        ? await MqttNetWebSocketClient.ConnectAsync(WssUri, Unique.ClientId(prefix), e => server.Presented(e.Certificate))
        : await MqttNetWebSocketClient.ConnectAsync(WsUri, Unique.ClientId(prefix));
}

using System.Collections.Concurrent;
using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// MQTT over TLS on Herald:Mqtt:TlsPort, with the self-signed certificate Herald made, for each
/// client library: MQTTnet, mosquitto_pub/sub (OpenSSL) and paho (Python's ssl).
/// </summary>
public sealed class TlsTests(TlsServer server) : IClassFixture<TlsServer>
{
    private const MqttQualityOfServiceLevel AtLeastOnce = MqttQualityOfServiceLevel.AtLeastOnce;

    [Fact]
    public async Task MQTTnet_publishes_and_subscribes_over_TLS_at_QoS_1()
    {
        var topic = Unique.Topic("tls-net");
        var validations = new ConcurrentQueue<bool>();
        void Tls(MqttClientOptionsBuilder options) => options.WithTlsOptions(o => o.UseTls().WithCertificateValidationHandler(e =>
        {
            var ours = server.Presented(e.Certificate);
            validations.Enqueue(ours);
            return ours;
        }));
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttTlsPort, Unique.ClientId("tsub"), Tls);
        await subscriber.SubscribeAsync(topic, AtLeastOnce);

        await using (var publisher = await MqttNetClient.ConnectAsync(server.MqttTlsPort, Unique.ClientId("tpub"), Tls))
            await publisher.PublishAsync(topic, "over TLS", AtLeastOnce);

        Assert.Equal(new Received(topic, "over TLS", 1, false), await subscriber.ReceiveAsync());
        Assert.NotEmpty(validations);
        Assert.All(validations, Assert.True);
    }

    [Fact]
    public async Task Mosquitto_clients_work_over_TLS_with_the_certificate_as_their_CA_file()
    {
        var topic = Unique.Topic("tls-mosq");
        string[] tls = ["--cafile", server.CaFile];
        await using var subscriber = await Mosquitto.SubscribeAsync(server.MqttTlsPort, topic, AtLeastOnce, count: 1, extraArgs: tls);

        await using (var publisher = MosquittoPublish(server.MqttTlsPort, topic, "from mosquitto over TLS", tls))
            await publisher.ExpectSuccessAsync();

        Assert.Equal(new Received(topic, "from mosquitto over TLS", 1, false), await subscriber.ReceiveAsync());
        await subscriber.ExpectSuccessAsync();
    }

    [Fact]
    public async Task Mosquitto_refuses_the_server_when_its_CA_file_holds_another_certificate()
    {
        // The counterpart of the test above: --cafile really is checked, so that test proves trust.
        var otherCa = Path.Combine(server.DataDir, "other-ca.pem");
        File.WriteAllText(otherCa, TestCertificates.Create("not-herald").ExportCertificatePem());

        await using var publisher = MosquittoPublish(server.MqttTlsPort, Unique.Topic("tls-untrusted"), "never delivered", ["--cafile", otherCa]);

        Assert.NotEqual(0, await publisher.WaitForExitAsync());
        Assert.Contains("TLS error", publisher.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Paho_publishes_and_subscribes_over_TLS()
    {
        var topic = Unique.Topic("tls-paho");
        await using var subscriber = await PahoTransport.SubscribeAsync(server.MqttTlsPort, webSocket: false, server.CaFile, topic, AtLeastOnce);

        await PahoTransport.PublishAsync(server.MqttTlsPort, webSocket: false, server.CaFile, topic, "from paho over TLS", AtLeastOnce);

        Assert.Equal(new Received(topic, "from paho over TLS", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task TLS_and_plain_TCP_clients_share_one_broker()
    {
        var topic = Unique.Topic("tls-tcp");
        await using var plain = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("plain"));
        await plain.SubscribeAsync(topic, AtLeastOnce);

        await using (var publisher = MosquittoPublish(server.MqttTlsPort, topic, "from TLS to TCP", ["--cafile", server.CaFile]))
            await publisher.ExpectSuccessAsync();

        Assert.Equal(new Received(topic, "from TLS to TCP", 1, false), await plain.ReceiveAsync());
    }

    [Fact]
    public async Task Client_offering_the_mqtt_ALPN_protocol_completes_the_handshake()
    {
        // Kestrel would offer only h2 and http/1.1, and a client offering only "mqtt" would fail.
        await using var tls = await TlsProbe.ConnectAsync(server.MqttTlsPort, "mqtt");

        await tls.WriteAsync(Packets.Connect(Unique.ClientId("alpn")));
        var connAck = new byte[Packets.ConnAckAccepted.Length];
        await tls.ReadExactlyAsync(connAck).AsTask().WaitAsync(Wait.Bound);

        Assert.Equal(Packets.ConnAckAccepted, connAck);
    }

    [Fact]
    public async Task Plain_MQTT_on_the_TLS_port_gets_no_CONNACK()
    {
        using var client = await RawClient.ConnectAsync(server.MqttTlsPort);
        await client.SendIgnoringResetAsync(Packets.Connect(Unique.ClientId("notls")));

        var reply = await client.ReadUntilClosedAsync();

        // Nothing, or a TLS alert record (content type 0x15): never a CONNACK (0x20).
        Assert.True(reply.Length == 0 || reply[0] == 0x15, $"Reply: {Convert.ToHexString(reply)}");
    }

    [Fact]
    public async Task TLS_clients_dropping_while_the_server_writes_cause_no_error()
    {
        // As over WebSocket: some of twenty drops land in the middle of a write, whose failure
        // must stay a logged transport error.
        var capture = new LogCapture();
        await using var own = await HeraldServer.StartAsync(null, s => s.AddLogging(b => b.AddProvider(capture).AddFilter<LogCapture>(null, LogLevel.Warning)), "--Herald:Tls:SelfSigned=true");
        using var publisher = await RawClient.ConnectMqttAsync(own.MqttPort, Packets.Connect(Unique.ClientId("flood")));
        var payload = new string('x', 4000);

        for (var round = 0; round < 20; round++)
        {
            var topic = Unique.Topic("tls-drop");
            await using var tls = await TlsProbe.ConnectAsync(own.MqttTlsPort);
            await tls.WriteAsync(Packets.Concat(Packets.Connect(Unique.ClientId("tlsdrop")), Packets.Subscribe(1, topic, QualityOfService.AtMostOnce)));
            var connAckAndSubAck = new byte[4 + 5];
            await tls.ReadExactlyAsync(connAckAndSubAck).AsTask().WaitAsync(Wait.Bound);
            var burst = Packets.Concat([.. Enumerable.Range(0, 1000).Select(_ => Packets.Publish(topic, payload))]);

            await publisher.SendAsync(burst);
            await tls.ReadExactlyAsync(new byte[1]).AsTask().WaitAsync(Wait.Bound);
            await tls.DisposeAsync();
        }
        await own.App.StopAsync().WaitAsync(Wait.Bound);

        Assert.DoesNotContain("Error|", capture.Transcript);
    }

    private static ClientProcess MosquittoPublish(int port, string topic, string payload, IEnumerable<string> extraArgs) =>
        ClientProcess.Start("/usr/bin/mosquitto_pub",
        [
            "-h", "127.0.0.1", "-p", port.ToString(), "-V", Mosquitto.V311, "-i", Unique.ClientId("mpub"),
            "-t", topic, "-m", payload, "-q", "1", .. extraArgs,
        ]);
}

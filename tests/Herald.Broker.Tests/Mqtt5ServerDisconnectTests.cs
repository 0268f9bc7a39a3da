using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>DISCONNECT from the server to an MQTT 5 client, with the reason the connection ends (sections 3.14, 4.13).</summary>
public sealed class Mqtt5ServerDisconnectTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.4-3")]
    public async Task Client_taken_over_gets_disconnect_0x8E()
    {
        using var broker = new TestBroker();
        var old = await broker.Connect5Async("c1", new Properties { SessionExpiryInterval = 60 });

        var taker = broker.Open();
        var connAck = await taker.Connect5Async("c1", new Properties { SessionExpiryInterval = 60 }, cleanStart: false);

        old.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.SessionTakenOver));
        Assert.True(old.IsClosed);
        Assert.Equal(ReasonCode.Success, connAck.Reason);
        Assert.True(connAck.SessionPresent);
        Assert.False(taker.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-3")]
    public async Task Mqtt311_client_taken_over_by_an_mqtt5_client_is_closed_without_disconnect()
    {
        using var broker = new TestBroker();
        var old = await broker.ConnectAsync("c1");

        await broker.Connect5Async("c1");

        Assert.True(old.IsClosed);
        old.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-22")]
    public async Task Keep_alive_timeout_gets_disconnect_0x8D()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1", keepAliveSeconds: 10);

        broker.Advance(TimeSpan.FromSeconds(15));

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.KeepAliveTimeout));
        Assert.True(client.IsClosed);
    }

    [Fact]
    public async Task Server_stopping_sends_disconnect_0x8B()
    {
        using var broker = new TestBroker();
        var modern = await broker.Connect5Async("modern");
        var classic = await broker.ConnectAsync("classic");

        broker.Broker.Stop();

        modern.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ServerShuttingDown));
        Assert.True(modern.IsClosed);
        classic.AssertReceivedNothing(); // MQTT 3.1.1 has no server DISCONNECT
        Assert.True(classic.IsClosed);
    }

    [Theory]
    [Trait("Spec", "MQTT-4.13.1-1")]
    [InlineData("0000")] // reserved packet type 0
    [InlineData("3600")] // PUBLISH with QoS 3
    [InlineData("C001FF")] // PINGREQ with a body
    [InlineData("8003000100")] // SUBSCRIBE with reserved flags 0000
    public async Task Malformed_packet_gets_disconnect_0x81_and_the_connection_is_closed(string hex)
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1");

        await client.SendAsync(Convert.FromHexString(hex));

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.MalformedPacket));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.0-2")]
    public async Task Second_connect_gets_disconnect_0x82()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1");

        await client.SendAsync(Encode.Connect(new ConnectPacket { ClientId = "c1", Version = ProtocolVersion.V500 }));

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.14.4-1")]
    public async Task Nothing_is_sent_after_the_servers_disconnect()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectSubscriber5Async("c1", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await client.SendAsync(Convert.FromHexString("0000"));
        await publisher.PublishAsync("t", "too late", AtMostOnce);

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.MalformedPacket));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.14.0-1")]
    public async Task Malformed_connect_is_closed_without_disconnect()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        // An MQTT 5 CONNECT whose property length runs past the packet.
        await client.SendAsync(Convert.FromHexString("100B00044D5154540502000005"));

        Assert.True(client.IsClosed);
        client.AssertReceivedNothing();
    }
}

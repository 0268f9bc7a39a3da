using System.Text;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests;

/// <summary>CONNECT and its CONNACK, byte for byte, over a raw socket.</summary>
public sealed class ConnectTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.2-2")]
    public async Task Unknown_protocol_level_gets_unacceptable_protocol_version_and_close()
    {
        // A CONNECT naming protocol level 6, which no MQTT version has.
        byte[] connect =
        [
            0x10, 0x10,
            0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T',
            0x06, 0x02, 0x00, 0x3C,
            0x00,
            0x00, 0x03, (byte)'v', (byte)'6', (byte)'c',
        ];
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendAsync(connect);

        Assert.Equal([0x20, 0x02, 0x00, 0x01], await client.ReadUntilClosedAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-8")]
    public async Task Mqtt5_connect_is_accepted_with_an_mqtt5_connack()
    {
        // An MQTT 5.0 CONNECT: protocol level 5 and an empty properties block before the client id.
        byte[] connect =
        [
            0x10, 0x10,
            0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T',
            0x05, 0x02, 0x00, 0x3C,
            0x00,
            0x00, 0x03, (byte)'v', (byte)'5', (byte)'c',
        ];
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendAsync(connect);

        var connAck = await client.ReadPacketAsync();
        Assert.Equal(0x20, connAck[0]);
        Assert.Equal([0x00, 0x00], connAck[2..4]); // no session present, reason Success
        Assert.True(connAck.Length > 4, "an MQTT 5 CONNACK carries properties");
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-2")]
    public async Task Mqisdp_with_level_4_gets_unacceptable_protocol_version()
    {
        var connect = Packets.Connect("mixed");
        var name = Encoding.ASCII.GetBytes(ConnectPacket.ProtocolName31);
        byte[] body = [0x00, (byte)name.Length, .. name, .. connect.AsSpan(8)];

        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendAsync([0x10, (byte)body.Length, .. body]);

        Assert.Equal([0x20, 0x02, 0x00, 0x01], await client.ReadUntilClosedAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-8")]
    public async Task Empty_client_id_with_clean_session_0_is_rejected()
    {
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendAsync(Packets.Connect("", cleanSession: false));

        Assert.Equal([0x20, 0x02, 0x00, 0x02], await client.ReadUntilClosedAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-6")]
    public async Task Empty_client_id_with_clean_session_1_is_accepted()
    {
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendAsync(Packets.Connect("", cleanSession: true));

        Assert.Equal(Packets.ConnAckAccepted, await client.ReadPacketAsync());
        await client.SendAsync(Packets.PingReq());
        Assert.Equal([0xD0, 0x00], await client.ReadPacketAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-1")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    [Trait("Spec", "MQTT-3.1.2-6")]
    public async Task Session_present_flag_follows_the_stored_session()
    {
        var clientId = Unique.ClientId("present");

        // No stored session yet: session present 0.
        Assert.Equal(Packets.ConnAckAccepted, await ConnectAndDisconnectAsync(clientId, cleanSession: false));
        // The persistent session was stored: session present 1.
        Assert.Equal([0x20, 0x02, 0x01, 0x00], await ConnectAndDisconnectAsync(clientId, cleanSession: false));
        // Clean session 1 discards it and always answers 0.
        Assert.Equal(Packets.ConnAckAccepted, await ConnectAndDisconnectAsync(clientId, cleanSession: true));
        // Nothing was left to resume.
        Assert.Equal(Packets.ConnAckAccepted, await ConnectAndDisconnectAsync(clientId, cleanSession: false));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.12.4-1")]
    public async Task Pingreq_is_answered_with_pingresp()
    {
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort, Packets.Connect(Unique.ClientId("ping")));

        await client.SendAsync(Packets.PingReq());

        Assert.Equal([0xD0, 0x00], await client.ReadPacketAsync());
    }

    private async Task<byte[]> ConnectAndDisconnectAsync(string clientId, bool cleanSession)
    {
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendAsync(Packets.Connect(clientId, cleanSession: cleanSession));
        var connAck = await client.ReadPacketAsync();
        await client.SendAsync(Packets.Disconnect());
        Assert.Empty(await client.ReadUntilClosedAsync());
        return connAck;
    }
}

using System.Text;
using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// Bad input closes the connection it came on and nothing else: after each case the server has
/// closed the raw socket, and an MQTTnet client connected before it still publishes and receives.
/// </summary>
public sealed class MalformedInputTests(SmallPacketServer server) : IClassFixture<SmallPacketServer>
{
    private static readonly byte[] Connect = Packets.Connect("malformed");

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [Trait("Spec", "MQTT-4.8.0-1")]
    public async Task Random_bytes_instead_of_connect(int seed)
    {
        var reply = await SendAndExpectCloseAsync(RandomBytes(seed, 4 * SmallPacketServer.MaxPacketSize));

        Assert.Empty(reply);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [Trait("Spec", "MQTT-4.8.0-1")]
    public async Task Random_bytes_after_connect(int seed)
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, RandomBytes(seed, 4 * SmallPacketServer.MaxPacketSize)));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.1-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    public async Task Subscribe_with_reserved_flags_0000()
    {
        var subscribe = Packets.Subscribe(1, "a/b", QualityOfService.AtMostOnce);
        subscribe[0] = 0x80; // the valid header is 0x82

        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, subscribe));

        Assert.Equal(Packets.ConnAckAccepted, reply); // no SUBACK
    }

    [Fact]
    [Trait("Spec", "MQTT-3.6.1-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    public async Task Pubrel_with_reserved_flags_0000()
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, [0x60, 0x02, 0x00, 0x01]));

        Assert.Equal(Packets.ConnAckAccepted, reply); // no PUBCOMP
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })] // a lead byte followed by a non-continuation byte
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // an encoded surrogate, U+D800
    [InlineData(new byte[] { 0xC0, 0xAF })] // an overlong encoding of '/'
    [InlineData(new byte[] { 0xFF })]
    [Trait("Spec", "MQTT-1.5.3-1")]
    public async Task Publish_with_ill_formed_UTF8_topic(byte[] topic)
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, RawPublish(topic)));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Fact]
    [Trait("Spec", "MQTT-1.5.3-2")]
    public async Task Publish_with_U0000_in_topic()
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, RawPublish([(byte)'a', 0x00, (byte)'b'])));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Fact]
    public async Task Remaining_length_with_a_fifth_continuation_byte()
    {
        // Section 2.2.3: the remaining length is at most four bytes; 0xFF sets the continuation bit.
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, [0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Fact]
    public async Task Packet_larger_than_the_configured_maximum()
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, Packets.Publish("big", new string('x', SmallPacketServer.MaxPacketSize))));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-4")]
    public async Task Publish_with_QoS_3()
    {
        var publish = Packets.Publish("a/b", "x", QualityOfService.AtLeastOnce, packetId: 1);
        publish[0] |= 0b0110;

        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, publish));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Theory]
    [InlineData("a/+")]
    [InlineData("a/#")]
    [Trait("Spec", "MQTT-3.3.2-2")]
    public async Task Publish_with_wildcard_in_topic_name(string topic)
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, Packets.Publish(topic, "x")));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Fact]
    [Trait("Spec", "MQTT-2.3.1-1")]
    public async Task Qos1_publish_with_packet_identifier_0()
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, Packets.Publish("a/b", "x", QualityOfService.AtLeastOnce, packetId: 0)));

        Assert.Equal(Packets.ConnAckAccepted, reply); // no PUBACK
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.0-1")]
    public async Task First_packet_is_not_connect()
    {
        var reply = await SendAndExpectCloseAsync(Packets.Publish("a/b", "x"));

        Assert.Empty(reply);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.0-2")]
    public async Task Second_connect_on_one_connection()
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, Connect));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-3")]
    public async Task Connect_with_reserved_flag_set()
    {
        var connect = Packets.Connect("reserved");
        connect[9] |= 0x01; // the connect flags byte: 10 len 00 04 'MQTT' 04 flags

        var reply = await SendAndExpectCloseAsync(connect);

        Assert.Empty(reply); // [MQTT-3.1.4-1] no CONNACK for a malformed CONNECT
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-1")]
    public async Task Connect_with_unknown_protocol_name()
    {
        var connect = Packets.Connect("unknown");
        connect[7] = (byte)'X'; // "MQTT" becomes "MQTX"

        var reply = await SendAndExpectCloseAsync(connect);

        Assert.Empty(reply);
    }

    [Theory]
    [InlineData(0x00)] // type 0 is reserved
    [InlineData(0xF0)] // type 15 is reserved in 3.1.1
    [InlineData(0x20)] // CONNACK is sent by servers only
    [Trait("Spec", "MQTT-4.8.0-1")]
    public async Task Packet_of_a_type_clients_do_not_send(byte header)
    {
        var reply = await SendAndExpectCloseAsync(Packets.Concat(Connect, [header, 0x00]));

        Assert.Equal(Packets.ConnAckAccepted, reply);
    }

    [Fact]
    public async Task Connection_closed_by_the_client_in_the_middle_of_a_packet()
    {
        var topic = Unique.Topic("bystander");
        await using var bystander = await ConnectBystanderAsync(topic);
        using (var client = await RawClient.ConnectAsync(server.MqttPort))
            await client.SendAsync(Connect[..5]);

        await AssertStillServesAsync(bystander, topic);
    }

    /// <summary>
    /// Sends <paramref name="input"/> on a new raw connection, asserts the server closes it and
    /// that a bystander connected before still publishes and receives. Returns what the server
    /// sent before closing.
    /// </summary>
    private async Task<byte[]> SendAndExpectCloseAsync(byte[] input)
    {
        var topic = Unique.Topic("bystander");
        await using var bystander = await ConnectBystanderAsync(topic);

        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendIgnoringResetAsync(input);
        var reply = await client.ReadUntilClosedAsync();

        await AssertStillServesAsync(bystander, topic);
        return reply;
    }

    private async Task<MqttNetClient> ConnectBystanderAsync(string topic)
    {
        var bystander = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("bystander"));
        await bystander.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        return bystander;
    }

    private static async Task AssertStillServesAsync(MqttNetClient bystander, string topic)
    {
        Assert.True(bystander.Client.IsConnected);
        await bystander.PublishAsync(topic, "still served", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("still served", (await bystander.ReceiveAsync()).Payload);
    }

    private static byte[] RawPublish(byte[] topic)
    {
        byte[] body = [(byte)(topic.Length >> 8), (byte)topic.Length, .. topic, .. Encoding.ASCII.GetBytes("payload")];
        return [0x30, (byte)body.Length, .. body];
    }

    private static byte[] RandomBytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

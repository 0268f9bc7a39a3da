using Herald.Protocol;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>MQTT 3.1 (protocol name "MQIsdp", level 3) clients alongside 3.1.1 ones.</summary>
public sealed class Mqtt31Tests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task Mqtt31_publisher_reaches_a_311_subscriber(MqttQualityOfServiceLevel qos)
    {
        var topic = Unique.Topic("v31");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sub"));
        await subscriber.SubscribeAsync(topic, qos);

        await Mosquitto.PublishAsync(server.MqttPort, topic, "from 3.1", qos, version: Mosquitto.V31);

        Assert.Equal(new Received(topic, "from 3.1", (int)qos, false), await subscriber.ReceiveAsync());
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task Mqtt31_subscriber_receives_from_a_311_publisher(MqttQualityOfServiceLevel qos)
    {
        var topic = Unique.Topic("v31");
        await using var subscriber = await Mosquitto.SubscribeAsync(server.MqttPort, topic, qos, version: Mosquitto.V31);

        await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, topic, "to 3.1", qos);

        Assert.Equal(new Received(topic, "to 3.1", (int)qos, false), await subscriber.ReceiveAsync());
    }

    [Theory]
    [InlineData(MqttQualityOfServiceLevel.AtMostOnce)]
    [InlineData(MqttQualityOfServiceLevel.AtLeastOnce)]
    [InlineData(MqttQualityOfServiceLevel.ExactlyOnce)]
    public async Task Paho_speaks_mqtt31_both_ways(MqttQualityOfServiceLevel qos)
    {
        var topic = Unique.Topic("v31");
        await using var subscriber = await Paho.SubscribeAsync(server.MqttPort, topic, qos, version: Paho.V31);

        await Paho.PublishAsync(server.MqttPort, topic, "3.1 to 3.1", qos, version: Paho.V31);

        Assert.Equal(new Received(topic, "3.1 to 3.1", (int)qos, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task Mqtt31_connack_never_says_session_present()
    {
        // MQTT 3.1 has no session present flag: its CONNACK flags byte is reserved.
        var clientId = Unique.ClientId("v31");
        var connect = Packets.Connect(clientId, cleanSession: false, version: ProtocolVersion.V310);
        using (var first = await RawClient.ConnectMqttAsync(server.MqttPort, connect))
        {
            await first.SendAsync(Packets.Subscribe(1, Unique.Topic("v31"), QualityOfService.AtLeastOnce));
            await first.ReadPacketAsync();
            await first.SendAsync(Packets.Disconnect());
            await first.ReadUntilClosedAsync();
        }
        Assert.True(server.Broker.Sessions.TryGet(clientId, out var stored));

        using var second = await RawClient.ConnectAsync(server.MqttPort);
        await second.SendAsync(connect);

        Assert.Equal(Packets.ConnAckAccepted, await second.ReadPacketAsync());
        Assert.True(server.Broker.Sessions.TryGet(clientId, out var resumed));
        Assert.Same(stored, resumed);
    }

    [Fact]
    public async Task Mqtt31_client_id_longer_than_23_characters_is_rejected()
    {
        using var client = await RawClient.ConnectAsync(server.MqttPort);
        await client.SendAsync(Packets.Connect(new string('x', 24), version: ProtocolVersion.V310));

        // CONNACK 0x02 identifier rejected, then the server closes the connection.
        Assert.Equal([0x20, 0x02, 0x00, 0x02], await client.ReadUntilClosedAsync());
    }
}

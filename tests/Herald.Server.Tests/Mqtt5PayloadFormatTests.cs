using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// Payload Format Indicator (section 3.3.2.3.2): forwarded as sent, and a payload declared UTF-8
/// that is not is refused with 0x99 Payload format invalid, in the acknowledgement or, at QoS 0,
/// in DISCONNECT.
/// </summary>
public sealed class Mqtt5PayloadFormatTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    public async Task Payload_declared_utf8_that_is_not_is_refused_with_puback_0x99()
    {
        var topic = Unique.Topic("format");
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5fmt"));

        var result = await publisher.PublishAsync(InvalidUtf8(topic, MqttQualityOfServiceLevel.AtLeastOnce));

        Assert.Equal(MqttClientPublishReasonCode.PayloadFormatInvalid, result.ReasonCode);
        // Refused, not routed: the subscriber's next message is the marker.
        await publisher.PublishAsync(topic, "marker", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
        Assert.True(publisher.Client.IsConnected);
    }

    [Fact]
    public async Task Payload_declared_utf8_that_is_not_is_refused_with_pubrec_0x99()
    {
        var topic = Unique.Topic("format");
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        // MQTTnet sends PUBREL even after an error PUBREC and reports the server's PUBCOMP 0x92
        // (Packet Identifier not found) as its result; the PUBREC on the wire is what the server said.
        var pubRecReason = new TaskCompletionSource<byte>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5fmt"), beforeConnect: c =>
            c.InspectPacketAsync += e =>
            {
                if (e.Direction == MqttPacketFlowDirection.Inbound && e.Buffer[0] >> 4 == 5)
                    pubRecReason.TrySetResult(e.Buffer[1] >= 3 ? e.Buffer[4] : (byte)0);
                return Task.CompletedTask;
            });

        await publisher.PublishAsync(InvalidUtf8(topic, MqttQualityOfServiceLevel.ExactlyOnce));

        Assert.Equal(0x99, await pubRecReason.Task.WaitAsync(Wait.Bound));
        await publisher.PublishAsync(topic, "marker", MqttQualityOfServiceLevel.ExactlyOnce);
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Payload_declared_utf8_that_is_not_at_QoS_0_ends_the_connection_with_0x99()
    {
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5fmt"));

        await publisher.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(Unique.Topic("format")).WithPayload(new byte[] { 0xFF })
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData).Build());

        var disconnected = await publisher.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(MqttClientDisconnectReason.PayloadFormatInvalid, disconnected.Reason);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-4")]
    public async Task Valid_utf8_payload_declared_as_character_data_is_delivered_with_its_indicator()
    {
        var topic = Unique.Topic("format");
        await using var subscriber = await Mqtt5Paho.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5fmt"));

        var result = await publisher.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload("héllo wörld ✓")
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        Assert.Equal(MqttClientPublishReasonCode.Success, result.ReasonCode);
        var received = await subscriber.ReceiveAsync();
        Assert.Equal(("héllo wörld ✓", 1), (received.Payload, received.PayloadFormatIndicator));
    }

    /// <summary>0xC3 0x28: a two-byte lead followed by a byte that is no continuation, declared as UTF-8.</summary>
    private static MqttApplicationMessage InvalidUtf8(string topic, MqttQualityOfServiceLevel qos) =>
        new MqttApplicationMessageBuilder()
            .WithTopic(topic).WithPayload(new byte[] { 0x68, 0xC3, 0x28 })
            .WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
            .WithQualityOfServiceLevel(qos).Build();
}

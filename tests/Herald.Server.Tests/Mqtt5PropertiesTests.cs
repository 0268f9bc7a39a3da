using System.Text;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// The MQTT 5 message properties a publisher sets reach subscribers unchanged, whatever library
/// sent and received them; request/response works through Response Topic and Correlation Data;
/// Message Expiry arrives as what remains of it.
/// </summary>
public sealed class Mqtt5PropertiesTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    private const uint ExpirySeconds = 600;

    public static TheoryData<ClientKind, ClientKind> EveryPair()
    {
        var data = new TheoryData<ClientKind, ClientKind>();
        foreach (var publisher in Enum.GetValues<ClientKind>())
        {
            foreach (var subscriber in Enum.GetValues<ClientKind>())
                data.Add(publisher, subscriber);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    [Trait("Spec", "MQTT-3.3.2-4")]
    [Trait("Spec", "MQTT-3.3.2-15")]
    [Trait("Spec", "MQTT-3.3.2-16")]
    [Trait("Spec", "MQTT-3.3.2-17")]
    [Trait("Spec", "MQTT-3.3.2-18")]
    [Trait("Spec", "MQTT-3.3.2-20")]
    public async Task Message_properties_arrive_unchanged(ClientKind publisher, ClientKind subscriber)
    {
        var topic = Unique.Topic("v5props");
        await using var subscription = await Mqtt5Clients.SubscribeAsync(subscriber, server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce);
        var sent = new Mqtt5Message(topic, $"{{\"from\":\"{publisher}\"}}", 1)
        {
            ContentType = "application/json",
            ResponseTopic = Unique.Topic("v5props-reply"),
            CorrelationData = $"corr-{publisher}-{subscriber}",
            PayloadFormatIndicator = 1,
            MessageExpiryInterval = ExpirySeconds,
            // A name repeated, not adjacent, with values that sort differently from their order.
            UserProperties = [new("k", "3"), new("a", "first a"), new("k", "1"), new("ключ", "välue ✓"), new("k", "2"), new("z", "")],
        };

        await Mqtt5Clients.PublishAsync(publisher, server.MqttPort, sent);

        var received = await subscription.ReceiveAsync();
        Assert.Equal((sent.Topic, sent.Payload, 1), (received.Topic, received.Payload, received.QoS));
        Assert.Equal(sent.UserProperties, received.UserProperties);
        Assert.Equal(sent.ContentType, received.ContentType);
        Assert.Equal(sent.ResponseTopic, received.ResponseTopic);
        Assert.Equal(sent.CorrelationData, received.CorrelationData);
        Assert.Equal(sent.PayloadFormatIndicator, received.PayloadFormatIndicator);
        AssertRemainingExpiry(received, ExpirySeconds);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-17")]
    [Trait("Spec", "MQTT-3.3.2-18")]
    [Trait("Spec", "MQTT-3.3.2-20")]
    public async Task Retained_message_keeps_its_properties_for_later_subscribers()
    {
        var topic = Unique.Topic("v5props");
        var sent = new Mqtt5Message(topic, "state", 1, Retain: true)
        {
            ContentType = "text/plain",
            ResponseTopic = Unique.Topic("v5props-reply"),
            CorrelationData = "retained-1",
            UserProperties = [new("b", "2"), new("a", "1"), new("b", "3")],
        };
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, sent);

        await using var late = await Mqtt5Paho.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce);

        var received = await late.ReceiveAsync();
        Assert.Equal(("state", true), (received.Payload, received.Retain));
        Assert.Equal(sent.UserProperties, received.UserProperties);
        Assert.Equal((sent.ContentType, sent.ResponseTopic, sent.CorrelationData), (received.ContentType, received.ResponseTopic, received.CorrelationData));
        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "", 1, Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-17")]
    public async Task Empty_payload_keeps_its_properties()
    {
        var topic = Unique.Topic("v5props");
        await using var subscriber = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Mqtt5Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, new Mqtt5Message(topic, "", 1) { UserProperties = [new("only", "properties")] });

        var received = await subscriber.ReceiveAsync();
        Assert.Equal("", received.Payload);
        Assert.Equal([new("only", "properties")], received.UserProperties);
    }

    [Fact]
    public async Task Message_without_properties_arrives_without_any()
    {
        var topic = Unique.Topic("v5props");
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "bare", 1));

        var received = await subscriber.ReceiveAsync();
        Assert.Equal("bare", received.Payload);
        Assert.Empty(received.UserProperties);
        Assert.Null(received.ContentType);
        Assert.Null(received.ResponseTopic);
        Assert.Null(received.CorrelationData);
        Assert.Null(received.PayloadFormatIndicator);
        Assert.Null(received.MessageExpiryInterval);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-15")]
    [Trait("Spec", "MQTT-3.3.2-16")]
    public async Task Mqttnet_requester_gets_the_paho_responders_reply_with_its_correlation_data()
    {
        var requestTopic = Unique.Topic("request");
        var responseTopic = Unique.Topic("response");
        await using var requester = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5req"));
        await requester.SubscribeAsync(responseTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var responder = await Mqtt5Paho.RespondAsync(server.MqttPort, requestTopic);

        var correlation = Guid.NewGuid().ToByteArray();
        var ack = await requester.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(requestTopic).WithPayload("what time is it")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithResponseTopic(responseTopic)
            .WithCorrelationData(Encoding.UTF8.GetBytes(Convert.ToHexString(correlation)))
            .Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, ack.ReasonCode);

        var reply = await requester.ReceiveAsync();
        Assert.Equal((responseTopic, "reply to what time is it"), (reply.Topic, reply.Payload));
        Assert.Equal(Convert.ToHexString(correlation), reply.CorrelationData);
        var request = await responder.ReceiveAsync();
        Assert.Equal(responseTopic, request.ResponseTopic);
        await responder.Process.ExpectSuccessAsync();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-15")]
    [Trait("Spec", "MQTT-3.3.2-16")]
    public async Task Mosquitto_requester_gets_the_mqttnet_responders_reply_with_its_correlation_data()
    {
        var requestTopic = Unique.Topic("request");
        var responseTopic = Unique.Topic("response");
        await using var replies = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, responseTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var responder = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5resp"));
        await responder.SubscribeAsync(requestTopic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Mqtt5Mosquitto.PublishAsync(server.MqttPort, new Mqtt5Message(requestTopic, "ping", 1)
        {
            ResponseTopic = responseTopic,
            CorrelationData = "request-17",
        });
        var request = await responder.ReceiveAsync();
        var answer = await responder.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(request.ResponseTopic).WithPayload("pong")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithCorrelationData(Encoding.UTF8.GetBytes(request.CorrelationData!))
            .Build());
        Assert.Equal(MqttClientPublishReasonCode.Success, answer.ReasonCode);

        var reply = await replies.ReceiveAsync();
        Assert.Equal((responseTopic, "pong", "request-17"), (reply.Topic, reply.Payload, reply.CorrelationData));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public async Task Message_queued_for_an_offline_session_arrives_with_what_remains_of_its_expiry()
    {
        var clientId = Unique.ClientId("n5exp");
        var topic = Unique.Topic("expiry");
        await using (var subscriber = await ConnectPersistentAsync(clientId))
        {
            await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await subscriber.DisconnectAsync();
        }

        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "kept a while", 1) { MessageExpiryInterval = ExpirySeconds });
        await using var back = await ConnectPersistentAsync(clientId);

        Assert.True(back.ConnectResult.IsSessionPresent);
        var received = await back.ReceiveAsync();
        Assert.Equal("kept a while", received.Payload);
        AssertRemainingExpiry(received, ExpirySeconds);
    }

    /// <summary>
    /// [MQTT-3.3.2-6] the server sends what remains of the expiry. Received promptly, that is more
    /// than 0 and at most what was published; a test cannot tell how many whole seconds passed.
    /// </summary>
    private static void AssertRemainingExpiry(Mqtt5Message received, uint published)
    {
        Assert.NotNull(received.MessageExpiryInterval);
        Assert.InRange(received.MessageExpiryInterval.Value, 1u, published);
    }

    private Task<Mqtt5Client> ConnectPersistentAsync(string clientId) =>
        Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));
}

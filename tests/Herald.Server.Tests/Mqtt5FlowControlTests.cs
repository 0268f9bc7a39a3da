using System.Threading.Channels;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// MQTT 5 flow control toward a client: its Receive Maximum bounds the QoS 1/2 messages in
/// flight, and unacknowledged messages are re-sent whole, properties included, on resume.
/// The MQTTnet clients here acknowledge by hand.
/// </summary>
public sealed class Mqtt5FlowControlTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.4-7")]
    public async Task Server_sends_no_more_unacknowledged_messages_than_the_clients_receive_maximum()
    {
        var topic = Unique.Topic("recvmax");
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5rmax"), o => o.WithReceiveMaximum(2));
        var held = HoldAcknowledgements(client);
        await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5pub"));

        for (var n = 0; n < 5; n++)
            await publisher.PublishAsync(topic, $"m{n}", MqttQualityOfServiceLevel.AtLeastOnce);
        // QoS 0 is outside the quota: it overtakes whatever the quota holds back.
        await publisher.PublishAsync(topic, "qos 0 marker", MqttQualityOfServiceLevel.AtMostOnce);

        var inFlight = new Queue<MqttApplicationMessageReceivedEventArgs>();
        inFlight.Enqueue(await ReadAsync(held));
        inFlight.Enqueue(await ReadAsync(held));
        Assert.Equal(["m0", "m1"], inFlight.Select(Payload));
        Assert.Equal("qos 0 marker", Payload(await ReadAsync(held)));
        // Each PUBACK frees one place: the next message comes, and only then.
        for (var n = 2; n < 5; n++)
        {
            await AcknowledgeAsync(inFlight.Dequeue());
            var next = await ReadAsync(held);
            Assert.Equal($"m{n}", Payload(next));
            inFlight.Enqueue(next);
        }
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Unacknowledged_message_is_resent_with_dup_and_its_properties_on_resume()
    {
        var clientId = Unique.ClientId("n5resend");
        var topic = Unique.Topic("resend");
        await using var first = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));
        var held = HoldAcknowledgements(first);
        await first.SubscribeAsync(topic, MqttQualityOfServiceLevel.ExactlyOnce);
        var sent = new Mqtt5Message(topic, "not acknowledged", 2)
        {
            ContentType = "text/plain",
            CorrelationData = "resend-1",
            MessageExpiryInterval = 600,
            UserProperties = [new("try", "1"), new("try", "again")],
        };
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, sent);
        Assert.False((await ReadAsync(held)).ApplicationMessage.Dup);

        // No PUBREC was sent; the same client id connecting again takes the session over.
        await using var back = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));

        Assert.True(back.ConnectResult.IsSessionPresent);
        var again = await back.ReceiveAsync();
        Assert.Equal((sent.Payload, 2, true), (again.Payload, again.QoS, again.Dup));
        Assert.Equal(sent.UserProperties, again.UserProperties);
        Assert.Equal((sent.ContentType, sent.CorrelationData), (again.ContentType, again.CorrelationData));
        Assert.InRange(again.MessageExpiryInterval ?? 0, 1u, 600u);
    }

    private static string Payload(MqttApplicationMessageReceivedEventArgs e) => e.ApplicationMessage.ConvertPayloadToString();

    /// <summary>Turns off automatic acknowledgement; the received messages queue up with what acknowledges them.</summary>
    private static Channel<MqttApplicationMessageReceivedEventArgs> HoldAcknowledgements(Mqtt5Client client)
    {
        var held = Channel.CreateUnbounded<MqttApplicationMessageReceivedEventArgs>();
        client.Client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            held.Writer.TryWrite(e);
            return Task.CompletedTask;
        };
        return held;
    }

    private static async Task AcknowledgeAsync(MqttApplicationMessageReceivedEventArgs message)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        await message.AcknowledgeAsync(cts.Token);
    }

    private static async Task<MqttApplicationMessageReceivedEventArgs> ReadAsync(Channel<MqttApplicationMessageReceivedEventArgs> held)
    {
        using var cts = new CancellationTokenSource(Wait.Bound);
        return await held.Reader.ReadAsync(cts.Token);
    }
}

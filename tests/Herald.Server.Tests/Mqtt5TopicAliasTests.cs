using System.Buffers;
using System.Threading.Channels;
using Herald.Broker;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Diagnostics.PacketInspection;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// MQTT 5 topic aliases (section 3.3.2.3.4): those a publisher sets stand for their topic on its
/// connection only; those the server sets, when enabled, stay within the client's maximum.
/// </summary>
public sealed class Mqtt5TopicAliasTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.2-12")]
    public async Task Topic_alias_set_by_a_publisher_stands_for_its_topic()
    {
        var topic = Unique.Topic("alias");
        await using var mosquitto = await Mqtt5Mosquitto.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce, count: 2);
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5sub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5alias"));
        Assert.True(publisher.ConnectResult.TopicAliasMaximum >= 1);

        // The first PUBLISH carries the topic and sets alias 1; the second carries alias 1 alone.
        await PublishAsync(publisher, Aliased(topic, 1, "named"));
        await PublishAsync(publisher, Aliased("", 1, "aliased"));

        foreach (var receiver in new Mqtt5Subscriber[] { subscriber, mosquitto })
        {
            Assert.Equal((topic, "named"), Short(await receiver.ReceiveAsync()));
            Assert.Equal((topic, "aliased"), Short(await receiver.ReceiveAsync()));
        }
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-12")]
    public async Task Topic_alias_set_again_with_another_topic_stands_for_the_new_one()
    {
        var (a, b) = (Unique.Topic("alias-a"), Unique.Topic("alias-b"));
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5sub"));
        await subscriber.SubscribeAsync(a, MqttQualityOfServiceLevel.AtLeastOnce);
        await subscriber.SubscribeAsync(b, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5alias"));

        await PublishAsync(publisher, Aliased(a, 1, "a1"));
        await PublishAsync(publisher, Aliased("", 1, "a2"));
        await PublishAsync(publisher, Aliased(b, 1, "b1"));
        await PublishAsync(publisher, Aliased("", 1, "b2"));

        Assert.Equal(
            [(a, "a1"), (a, "a2"), (b, "b1"), (b, "b2")],
            [Short(await subscriber.ReceiveAsync()), Short(await subscriber.ReceiveAsync()), Short(await subscriber.ReceiveAsync()), Short(await subscriber.ReceiveAsync())]);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-7")]
    public async Task Topic_alias_mapping_does_not_outlive_its_connection()
    {
        var clientId = Unique.ClientId("n5alias");
        var topic = Unique.Topic("alias");
        await using (var first = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(60)))
        {
            await PublishAsync(first, Aliased(topic, 3, "sets alias 3"));
            await first.DisconnectAsync();
        }
        await using var second = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(60));
        Assert.True(second.ConnectResult.IsSessionPresent);

        // An alias this connection never set is a protocol error, whatever the session saw before.
        await PublishIgnoringCloseAsync(second, Aliased("", 3, "alias only"));

        Assert.Equal(MqttClientDisconnectReason.ProtocolError, (await second.Disconnected.WaitAsync(Wait.Bound)).Reason);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-9")]
    public async Task Topic_alias_above_the_maximum_is_refused_with_disconnect_0x94()
    {
        await using var publisher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5alias"));
        var tooHigh = (ushort)(publisher.ConnectResult.TopicAliasMaximum + 1);

        await PublishIgnoringCloseAsync(publisher, Aliased(Unique.Topic("alias"), tooHigh, "x"));

        var disconnected = await publisher.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(MqttClientDisconnectReason.TopicAliasInvalid, disconnected.Reason);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-8")]
    [Trait("Spec", "MQTT-3.3.2-11")]
    public async Task Server_sends_a_topic_once_then_its_alias_within_the_clients_maximum()
    {
        // None of the three libraries maps an alias it receives back to a topic (MQTTnet hands over
        // an empty topic; libmosquitto and paho 1.6 call an empty topic a protocol error), so this
        // reads the PUBLISH packets MQTTnet received, byte for byte. The server is one of its own,
        // with Herald's BrokerOptions replaced (the last registration wins) to turn outbound aliases on.
        await using var own = await HeraldServer.StartAsync(configureServices: services =>
            services.AddSingleton(new BrokerOptions { OutboundTopicAliases = true }));
        var (a, b) = (Unique.Topic("outalias-a"), Unique.Topic("outalias-b"));
        var publishes = Channel.CreateUnbounded<byte[]>();
        await using var subscriber = await Mqtt5Client.ConnectAsync(own.MqttPort, Unique.ClientId("n5sub"), o => o.WithTopicAliasMaximum(1), c =>
            c.InspectPacketAsync += e =>
            {
                if (e.Direction == MqttPacketFlowDirection.Inbound && PacketFrame.TypeOf(e.Buffer[0]) == PacketType.Publish)
                    publishes.Writer.TryWrite(e.Buffer);
                return Task.CompletedTask;
            });
        await subscriber.SubscribeAsync(a, MqttQualityOfServiceLevel.AtLeastOnce);
        await subscriber.SubscribeAsync(b, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await Mqtt5Client.ConnectAsync(own.MqttPort, Unique.ClientId("n5pub"));

        foreach (var (topic, payload) in new[] { (a, "a1"), (a, "a2"), (b, "b1"), (a, "a3") })
            await publisher.PublishAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);

        // One alias allowed: a takes it, b goes by name, a comes back as its alias alone.
        var sent = new List<(string Topic, ushort? Alias, string Payload)>();
        using var cts = new CancellationTokenSource(Wait.Bound);
        for (var i = 0; i < 4; i++)
        {
            var publish = ReadPublish(await publishes.Reader.ReadAsync(cts.Token));
            sent.Add((publish.Topic, publish.Properties?.TopicAlias, Packets.PayloadOf(publish)));
        }
        Assert.Equal([(a, (ushort?)1, "a1"), ("", 1, "a2"), (b, null, "b1"), ("", 1, "a3")], sent);
    }

    private static async Task PublishAsync(Mqtt5Client publisher, MqttApplicationMessage message)
    {
        var result = await publisher.PublishAsync(message);
        Assert.True(result.ReasonCode is MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers, $"{result.ReasonCode}");
    }

    private static MqttApplicationMessage Aliased(string topic, ushort alias, string payload) =>
        new MqttApplicationMessageBuilder().WithTopic(topic).WithTopicAlias(alias).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    /// <summary>Publishes a message the server answers by closing the connection: what its DISCONNECT said is what counts.</summary>
    private static async Task PublishIgnoringCloseAsync(Mqtt5Client publisher, MqttApplicationMessage message)
    {
        try
        {
            await publisher.PublishAsync(message);
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // Closed before PUBACK.
        }
    }

    private static PublishPacket ReadPublish(byte[] packet)
    {
        var buffer = new ReadOnlySequence<byte>(packet);
        Assert.True(PacketFrame.TryRead(ref buffer, int.MaxValue, out var header, out var body));
        return PublishPacket.Read(header, body, ProtocolVersion.V500);
    }

    private static (string Topic, string Payload) Short(Mqtt5Message message) => (message.Topic, message.Payload);
}

using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>Which subscriptions a message matches, and how many copies a client gets.</summary>
public sealed class SubscriptionTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.5-1")]
    public async Task Overlapping_subscriptions_deliver_one_copy_at_the_highest_QoS()
    {
        var root = Unique.Topic("overlap");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("overlap"));
        await subscriber.SubscribeAsync($"{root}/+", MqttQualityOfServiceLevel.AtMostOnce);
        await subscriber.SubscribeAsync($"{root}/#", MqttQualityOfServiceLevel.ExactlyOnce);
        await subscriber.SubscribeAsync($"{root}/x", MqttQualityOfServiceLevel.AtLeastOnce);

        await Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, $"{root}/x", "once", MqttQualityOfServiceLevel.ExactlyOnce);
        await Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, $"{root}/x", "marker", MqttQualityOfServiceLevel.ExactlyOnce);

        Assert.Equal(new Received($"{root}/x", "once", 2, false), await subscriber.ReceiveAsync());
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.4-3")]
    public async Task Subscribing_again_to_a_filter_replaces_its_QoS()
    {
        var topic = Unique.Topic("resubscribe");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("resub"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtMostOnce);
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Clients.PublishAsync(ClientKind.Paho, server.MqttPort, topic, "once", MqttQualityOfServiceLevel.ExactlyOnce);
        await Clients.PublishAsync(ClientKind.Paho, server.MqttPort, topic, "marker", MqttQualityOfServiceLevel.ExactlyOnce);

        Assert.Equal(new Received(topic, "once", 1, false), await subscriber.ReceiveAsync());
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.4-1")]
    [Trait("Spec", "MQTT-3.10.4-4")]
    public async Task Unsubscribe_stops_delivery_of_that_filter_only()
    {
        var dropped = Unique.Topic("unsubscribed");
        var kept = Unique.Topic("kept");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("unsub"));
        await subscriber.SubscribeAsync(dropped, MqttQualityOfServiceLevel.AtLeastOnce);
        await subscriber.SubscribeAsync(kept, MqttQualityOfServiceLevel.AtLeastOnce);

        using (var cts = new CancellationTokenSource(Wait.Bound))
            await subscriber.Client.UnsubscribeAsync(dropped, cts.Token);
        await Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, dropped, "not delivered", MqttQualityOfServiceLevel.AtLeastOnce);
        await Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, kept, "delivered", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(new Received(kept, "delivered", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    [Trait("Spec", "MQTT-4.7.2-1")]
    public async Task Wildcard_first_level_does_not_match_topics_starting_with_dollar()
    {
        var id = Guid.NewGuid().ToString("N");
        await using var wildcard = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("wildcard"));
        await wildcard.SubscribeAsync($"+/{id}", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var literal = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("literal"));
        await literal.SubscribeAsync($"$herald-test/{id}", MqttQualityOfServiceLevel.AtLeastOnce);

        await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, $"$herald-test/{id}", "dollar", MqttQualityOfServiceLevel.AtLeastOnce);
        await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, $"plain/{id}", "plain", MqttQualityOfServiceLevel.AtLeastOnce);

        // A literal filter matches the '$' topic; "+/..." skips it and gets the next message first.
        Assert.Equal(new Received($"$herald-test/{id}", "dollar", 1, false), await literal.ReceiveAsync());
        Assert.Equal(new Received($"plain/{id}", "plain", 1, false), await wildcard.ReceiveAsync());
    }

    [Theory]
    [InlineData(ClientKind.MQTTnet)]
    [InlineData(ClientKind.Mosquitto)]
    [InlineData(ClientKind.Paho)]
    [Trait("Spec", "MQTT-1.5.3-1")]
    public async Task Non_ascii_topics_and_payloads_pass_through_unchanged(ClientKind client)
    {
        var topic = $"{Unique.Topic("unicode")}/température/日本/🚀";
        await using var subscriber = await Clients.SubscribeAsync(client, server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Clients.PublishAsync(client, server.MqttPort, topic, "ünïcødé ✓", MqttQualityOfServiceLevel.AtLeastOnce);

        Assert.Equal(new Received(topic, "ünïcødé ✓", 1, false), await subscriber.ReceiveAsync());
    }

    [Fact]
    public async Task Large_payload_arrives_intact()
    {
        var topic = Unique.Topic("large");
        var payload = string.Create(1 << 20, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
                span[i] = (char)('a' + (i * 7 % 26));
        });
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("large"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Clients.PublishAsync(ClientKind.MQTTnet, server.MqttPort, topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);

        var received = await subscriber.ReceiveAsync();
        Assert.Equal(payload.Length, received.Payload.Length);
        Assert.True(payload == received.Payload, "The payload changed on the way.");
    }
}

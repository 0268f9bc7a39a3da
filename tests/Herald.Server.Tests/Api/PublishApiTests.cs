using System.Buffers;
using System.Text;
using System.Threading.Channels;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Api;

/// <summary><c>POST /api/v1/publish</c>: a backend publishes to a topic as an MQTT client would.</summary>
public sealed class PublishApiTests(ApiServer server) : IClassFixture<ApiServer>, IDisposable
{
    private readonly ApiClient _api = new(server, ApiServer.AdminKey);

    public void Dispose() => _api.Dispose();

    /// <param name="expected">The bytes; null for the UTF-8 of <paramref name="value"/>.</param>
    [Theory]
    [InlineData("payload", "héllo wörld ✓ {\"json\": true}", null)]
    [InlineData("payload_base64", "AP+AAf7/", new byte[] { 0x00, 0xFF, 0x80, 0x01, 0xFE, 0xFF })]
    [InlineData("payload", "", new byte[0])]
    public async Task Payload_arrives_byte_exact(string field, string value, byte[]? expected)
    {
        var topic = Unique.Topic("exact");
        var payloads = Channel.CreateUnbounded<byte[]>();
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("exact"), beforeConnect: c =>
            c.ApplicationMessageReceivedAsync += e =>
            {
                payloads.Writer.TryWrite(e.ApplicationMessage.Payload.ToArray()); // copied out of MQTTnet's buffer here
                return Task.CompletedTask;
            });
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await _api.PublishAsync(new Dictionary<string, object> { ["topic"] = topic, [field] = value, ["qos"] = 1 });

        Assert.Equal(expected ?? Encoding.UTF8.GetBytes(value), await payloads.Reader.ReadAsync().AsTask().WaitAsync(Wait.Bound));
    }

    [Fact]
    public async Task Every_mqtt5_property_reaches_an_mqtt5_subscriber()
    {
        var topic = Unique.Topic("props");
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("props"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await _api.PublishAsync(new
        {
            topic,
            payload = "{\"t\":21.5}",
            qos = 1,
            message_expiry_interval = 300,
            content_type = "application/json",
            response_topic = "replies/backend",
            correlation_data = "request-42",
            user_properties = new Dictionary<string, string> { ["source"] = "billing", ["trace"] = "abc123" },
        });

        var received = await subscriber.ReceiveAsync();
        Assert.Equal("{\"t\":21.5}", received.Payload);
        Assert.Equal(1, received.QoS);
        Assert.Equal("application/json", received.ContentType);
        Assert.Equal("replies/backend", received.ResponseTopic);
        Assert.Equal("request-42", received.CorrelationData);
        Assert.InRange(received.MessageExpiryInterval ?? 0, 1u, 300u);
        Assert.Equal([new("source", "billing"), new("trace", "abc123")], received.UserProperties.OrderBy(p => p.Key));
    }

    [Fact]
    public async Task Retained_publish_reaches_a_later_subscriber()
    {
        var topic = Unique.Topic("retain");

        var answer = await _api.PublishAsync(new { topic, payload = "last known", qos = 1, retain = true });
        Assert.True(answer.GetProperty("retained").GetBoolean());

        await using var paho = await Paho.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(new Received(topic, "last known", 1, true), await paho.ReceiveAsync());
    }

    [Fact]
    public async Task Answer_counts_the_session_delivered_to_and_the_one_queued_for_an_away_client()
    {
        var topic = Unique.Topic("counts");
        var awayId = Unique.ClientId("away");
        await using (var away = await Mqtt5Client.ConnectAsync(server.MqttPort, awayId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300)))
        {
            await away.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await away.DisconnectAsync();
        }
        await _api.WaitUntilAwayAsync(awayId);
        await using var online = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("online"));
        await online.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        var answer = await _api.PublishAsync(new { topic, payload = "for both", qos = 1 });

        Assert.Equal(topic, answer.GetProperty("topic").GetString());
        Assert.Equal(2, answer.GetProperty("matched").GetInt32());
        Assert.Equal(1, answer.GetProperty("delivered").GetInt32());
        Assert.Equal(1, answer.GetProperty("queued").GetInt32());
        Assert.False(answer.GetProperty("retained").GetBoolean());
        Assert.Equal("for both", (await online.ReceiveAsync()).Payload);
        await using var back = await Mqtt5Client.ConnectAsync(server.MqttPort, awayId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));
        Assert.True(back.ConnectResult.IsSessionPresent);
        var queued = await back.ReceiveAsync();
        Assert.Equal((topic, "for both", 1), (queued.Topic, queued.Payload, queued.QoS));
    }

    [Fact]
    public async Task Publish_with_no_subscriber_matches_nothing()
    {
        var answer = await _api.PublishAsync(new { topic = Unique.Topic("nobody"), payload = "void" });

        Assert.Equal((0, 0, 0), (answer.GetProperty("matched").GetInt32(), answer.GetProperty("delivered").GetInt32(), answer.GetProperty("queued").GetInt32()));
    }
}

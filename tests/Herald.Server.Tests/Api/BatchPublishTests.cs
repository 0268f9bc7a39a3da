using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Api;

/// <summary><c>POST /api/v1/publish/batch</c>: many messages in one request, all or none.</summary>
public sealed class BatchPublishTests(ApiServer server) : IClassFixture<ApiServer>, IDisposable
{
    private readonly ApiClient _api = new(server, ApiServer.AdminKey);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task Batch_publishes_every_message_in_order()
    {
        var topic = Unique.Topic("batch");
        var other = Unique.Topic("batch");
        await using var subscriber = await Mosquitto.SubscribeAsync(server.MqttPort, topic, MqttQualityOfServiceLevel.AtLeastOnce, count: 3);
        await using var otherSubscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("batch"));
        await otherSubscriber.SubscribeAsync(other, MqttQualityOfServiceLevel.AtMostOnce);

        var answer = await _api.OkAsync(HttpMethod.Post, "publish/batch", new object[]
        {
            new { topic, payload = "one", qos = 1 },
            new { topic = other, payload = "elsewhere" },
            new { topic, payload = "two", qos = 1 },
            new { topic, payload_base64 = "dGhyZWU=", qos = 1 },
        });

        var results = answer.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([topic, other, topic, topic], results.Select(r => r.GetProperty("topic").GetString()));
        Assert.All(results, r => Assert.Equal(1, r.GetProperty("delivered").GetInt32()));
        Assert.Equal(new Received(topic, "one", 1, false), await subscriber.ReceiveAsync());
        Assert.Equal(new Received(topic, "two", 1, false), await subscriber.ReceiveAsync());
        Assert.Equal(new Received(topic, "three", 1, false), await subscriber.ReceiveAsync());
        Assert.Equal("elsewhere", (await otherSubscriber.ReceiveAsync()).Payload);
        await subscriber.ExpectSuccessAsync();
    }

    [Theory]
    [InlineData("""{"topic":"a/+"}""", "[1].topic")]
    [InlineData("""{"payload":"no topic"}""", "[1].topic")]
    [InlineData("""{"topic":"ok","qos":3}""", "[1].qos")]
    [InlineData("""{"topic":"ok","payload_base64":"%%%"}""", "[1].payload_base64")]
    [InlineData("null", "[1]")]
    public async Task One_bad_message_fails_the_batch_naming_it_and_nothing_is_published(string bad, string field)
    {
        var topic = Unique.Topic("batchbad");
        await using var subscriber = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("batchbad"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        using var response = await _api.SendAsync(HttpMethod.Post, "publish/batch",
            $$"""[{"topic":"{{topic}}","payload":"before"},{{bad}},{"topic":"{{topic}}","payload":"after"}]""");

        await ApiClient.AssertNamesFieldAsync(response, field);
        await _api.PublishAsync(new { topic, payload = "marker" });
        Assert.Equal("marker", (await subscriber.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Empty_batch_is_refused()
    {
        using var response = await _api.SendAsync(HttpMethod.Post, "publish/batch", "[]");

        await ApiClient.AssertNamesFieldAsync(response, "$");
    }

    [Fact]
    public async Task Batch_of_more_than_1000_messages_is_refused()
    {
        var topic = Unique.Topic("huge");
        var messages = Enumerable.Range(0, 1001).Select(i => new { topic, payload = i.ToString() }).ToArray();

        using var response = await _api.SendAsync(HttpMethod.Post, "publish/batch", messages);

        await ApiClient.AssertNamesFieldAsync(response, "$");
    }
}

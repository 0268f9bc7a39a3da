using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Api;

/// <summary>
/// <c>/api/v1/retained</c>: list the retained messages under a filter, read one, delete one
/// (admin), so new subscribers get nothing, now and after a restart.
/// </summary>
public sealed class RetainedApiTests(ApiServer server) : IClassFixture<ApiServer>, IDisposable
{
    private readonly ApiClient _api = new(server, ApiServer.AdminKey);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task Retained_messages_are_listed_under_a_filter_sorted_by_topic()
    {
        var prefix = Unique.Topic("list");
        await _api.PublishAsync(new { topic = $"{prefix}/b", payload_base64 = "AP+A", retain = true, qos = 1 });
        await _api.PublishAsync(new { topic = $"{prefix}/a", payload = "21.5", retain = true, content_type = "text/plain" });
        await _api.PublishAsync(new { topic = $"{Unique.Topic("elsewhere")}/a", payload = "not listed", retain = true });

        var page = await _api.GetAsync($"retained?filter={Uri.EscapeDataString(prefix + "/#")}");

        Assert.Equal(2, page.GetProperty("total").GetInt32());
        var text = page.GetProperty("items")[0];
        Assert.Equal(($"{prefix}/a", "21.5", JsonValueKind.Null, true, "text/plain"),
            (text.GetProperty("topic").GetString(), text.GetProperty("payload").GetString(), text.GetProperty("payload_base64").ValueKind,
                text.GetProperty("retain").GetBoolean(), text.GetProperty("content_type").GetString()));
        var binary = page.GetProperty("items")[1];
        Assert.Equal(($"{prefix}/b", JsonValueKind.Null, "AP+A", 3, 1),
            (binary.GetProperty("topic").GetString(), binary.GetProperty("payload").ValueKind, binary.GetProperty("payload_base64").GetString(),
                binary.GetProperty("size").GetInt32(), binary.GetProperty("qos").GetInt32()));
    }

    [Fact]
    public async Task Retained_message_is_read_by_its_topic()
    {
        var topic = Unique.Topic("read");
        await Mosquitto.PublishAsync(server.MqttPort, topic, "from mosquitto", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        var message = await _api.GetAsync($"retained/message?topic={Uri.EscapeDataString(topic)}");

        Assert.Equal((topic, "from mosquitto", 14), (message.GetProperty("topic").GetString(), message.GetProperty("payload").GetString(), message.GetProperty("size").GetInt32()));
    }

    [Fact]
    public async Task Deleting_a_retained_message_publishes_nothing_and_a_new_subscriber_gets_nothing()
    {
        var topic = Unique.Topic("delete");
        await _api.PublishAsync(new { topic, payload = "stale", retain = true });
        await using var present = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("present"));
        await present.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal("stale", (await present.ReceiveAsync()).Payload);

        using var deleted = await _api.SendAsync(HttpMethod.Delete, $"retained/message?topic={Uri.EscapeDataString(topic)}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var read = await _api.SendAsync(HttpMethod.Get, $"retained/message?topic={Uri.EscapeDataString(topic)}");
        await ApiClient.ProblemAsync(read, HttpStatusCode.NotFound);
        await AssertNothingRetainedAsync(server, _api, topic);
        Assert.Equal("marker", (await present.ReceiveAsync()).Payload); // deleting published nothing
    }

    [Theory]
    [InlineData("DELETE")]
    [InlineData("GET")]
    public async Task Topic_without_a_retained_message_is_404(string method)
    {
        using var response = await _api.SendAsync(new HttpMethod(method), $"retained/message?topic={Uri.EscapeDataString(Unique.Topic("none"))}");

        await ApiClient.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleted_retained_message_stays_gone_after_a_restart()
    {
        var dataDir = Directory.CreateTempSubdirectory("herald-api-retained-").FullName;
        try
        {
            var prefix = Unique.Topic("restart");
            await using (var first = await ApiServer.StartOnAsync(dataDir))
            {
                using var api = new ApiClient(first, ApiServer.AdminKey);
                await api.PublishAsync(new { topic = $"{prefix}/kept", payload = "kept", retain = true, qos = 1 });
                await api.PublishAsync(new { topic = $"{prefix}/gone", payload = "gone", retain = true, qos = 1 });
                using var deleted = await api.SendAsync(HttpMethod.Delete, $"retained/message?topic={Uri.EscapeDataString(prefix + "/gone")}");
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            }

            await using var second = await ApiServer.StartOnAsync(dataDir);
            using var again = new ApiClient(second, ApiServer.AdminKey);
            Assert.Equal("kept", (await again.GetAsync($"retained/message?topic={Uri.EscapeDataString(prefix + "/kept")}")).GetProperty("payload").GetString());
            using var read = await again.SendAsync(HttpMethod.Get, $"retained/message?topic={Uri.EscapeDataString(prefix + "/gone")}");
            await ApiClient.ProblemAsync(read, HttpStatusCode.NotFound);
            await AssertNothingRetainedAsync(second, again, $"{prefix}/gone");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Retained_message_shows_its_remaining_expiry_and_is_gone_once_expired()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var own = await ApiServer.StartWithKeysAsync(time);
        using var api = new ApiClient(own, ApiServer.AdminKey);
        var topic = Unique.Topic("expiry");
        await api.PublishAsync(new { topic, payload = "short-lived", retain = true, message_expiry_interval = 60 });

        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(40, (await api.GetAsync($"retained/message?topic={Uri.EscapeDataString(topic)}")).GetProperty("message_expiry_interval").GetInt64());
        time.Advance(TimeSpan.FromSeconds(40));

        using var read = await api.SendAsync(HttpMethod.Get, $"retained/message?topic={Uri.EscapeDataString(topic)}");
        await ApiClient.ProblemAsync(read, HttpStatusCode.NotFound);
        Assert.Equal(0, (await api.GetAsync($"retained?filter={Uri.EscapeDataString(topic)}")).GetProperty("total").GetInt32());
    }

    /// <summary>A new subscriber to <paramref name="topic"/> gets a marker published after it subscribed, and nothing before it.</summary>
    private static async Task AssertNothingRetainedAsync(HeraldServer on, ApiClient api, string topic)
    {
        await using var subscriber = await Mqtt5Client.ConnectAsync(on.MqttPort, Unique.ClientId("fresh"));
        await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await api.PublishAsync(new { topic, payload = "marker" });
        var first = await subscriber.ReceiveAsync();
        Assert.Equal(("marker", false), (first.Payload, first.Retain));
    }
}

using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Monitoring;

/// <summary>
/// <c>GET /api/v1/topics/hot</c> after real clients published: the busiest topics first, exact
/// counts while the topics fit the sketch, the subscribers of each, never a $SYS topic.
/// </summary>
public sealed class HotTopicsApiTests(HotTopicsServer server) : IClassFixture<HotTopicsServer>
{
    [Fact]
    public async Task Busiest_topics_come_first_with_exact_counts_bytes_and_subscribers_in_every_window()
    {
        var prefix = Unique.Topic("hot");
        string hottest = $"{prefix}/hottest", warm = $"{prefix}/warm";
        // Subscribers of "hottest": one exactly, one through a wildcard, and a shared group of two, which counts once.
        await using var exact = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("hexact"));
        await exact.SubscribeAsync(hottest, MqttQualityOfServiceLevel.AtMostOnce);
        await using var wildcard = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("hwild"));
        await wildcard.SubscribeAsync($"{prefix}/+", MqttQualityOfServiceLevel.AtMostOnce);
        await using var member1 = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("hshare"));
        await member1.SubscribeAsync($"$share/g/{hottest}", MqttQualityOfServiceLevel.AtMostOnce);
        await using var member2 = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("hshare"));
        await member2.SubscribeAsync($"$share/g/{hottest}", MqttQualityOfServiceLevel.AtMostOnce);
        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("hpub"));

        for (var i = 0; i < 30; i++)
            await publisher.PublishAsync(hottest, $"h{i:D3}", MqttQualityOfServiceLevel.AtLeastOnce); // 4 bytes
        for (var i = 0; i < 10; i++)
            await publisher.PublishAsync(warm, $"warm{i:D2}", MqttQualityOfServiceLevel.AtLeastOnce); // 6 bytes
        for (var i = 0; i < 50; i++)
            await publisher.PublishAsync($"{prefix}/cold/{i}", "c", MqttQualityOfServiceLevel.AtLeastOnce);

        using var api = new ApiClient(server, MonitoringServer.ReadKey);
        foreach (var window in (string[])["1m", "5m", "1h"])
        {
            var hot = await api.GetAsync($"topics/hot?window={window}&limit=5");

            Assert.Equal(window, hot.GetProperty("window").GetString());
            var topics = hot.GetProperty("topics").EnumerateArray().ToArray();
            Assert.Equal(5, topics.Length);
            Assert.Equal((hottest, 30L, 120L, 0L, 3), Row(topics[0]));
            Assert.Equal((warm, 10L, 60L, 0L, 1), Row(topics[1]));
            Assert.All(topics[2..], t => Assert.Equal((1L, 1L, 0L, 0), (Row(t).Messages, Row(t).Bytes, Row(t).Error, Row(t).Subscribers)));
            Assert.All(topics[2..], t => Assert.StartsWith($"{prefix}/cold/", t.GetProperty("topic").GetString()));
            // Nothing else was published on this server, $SYS every second apart.
            Assert.Equal(90, hot.GetProperty("total_messages").GetInt64());
            Assert.Equal(120 + 60 + 50, hot.GetProperty("total_bytes").GetInt64());
            Assert.Equal(1, hot.GetProperty("error_bound").GetInt64()); // ⌈90 / 1000⌉
        }
    }

    [Fact]
    public async Task Sys_topics_never_appear_among_hot_topics()
    {
        // The server has published $SYS at least once: its uptime topic is retained.
        await Poll.UntilAsync(() => Task.FromResult(server.Broker.Retained.Count), n => n > 0, "the first $SYS publication");
        using var api = new ApiClient(server, MonitoringServer.ReadKey);

        foreach (var window in (string[])["1m", "5m", "1h"])
        {
            var hot = await api.GetAsync($"topics/hot?window={window}&limit=1000");
            Assert.DoesNotContain(hot.GetProperty("topics").EnumerateArray(), t => t.GetProperty("topic").GetString()!.StartsWith('$'));
        }
    }

    [Theory]
    [InlineData("topics/hot?window=2m", "window")]
    [InlineData("topics/hot?window=1M", "window")]
    [InlineData("topics/hot?window=", "window")]
    [InlineData("topics/hot?limit=0", "limit")]
    [InlineData("topics/hot?limit=1001", "limit")]
    [InlineData("topics/hot?window=1m&limit=-5", "limit")]
    [InlineData("topics/hot?limit=many", "limit")]
    public async Task Bad_window_or_limit_gets_a_400_problem_naming_it(string path, string parameter)
    {
        using var api = new ApiClient(server, MonitoringServer.ReadKey);

        var problem = await ApiClient.ProblemAsync(await api.SendAsync(HttpMethod.Get, path), HttpStatusCode.BadRequest);

        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(parameter, out _), $"the problem does not name '{parameter}': {problem}");
    }

    [Fact]
    public async Task Hot_topics_need_a_key()
    {
        using var api = new ApiClient(server, key: null);

        await ApiClient.ProblemAsync(await api.SendAsync(HttpMethod.Get, "topics/hot"), HttpStatusCode.Unauthorized);
    }

    private static (string Topic, long Messages, long Bytes, long Error, int Subscribers) Row(JsonElement topic) => (
        topic.GetProperty("topic").GetString()!,
        topic.GetProperty("messages").GetInt64(),
        topic.GetProperty("bytes").GetInt64(),
        topic.GetProperty("error").GetInt64(),
        topic.GetProperty("subscribers").GetInt32());
}

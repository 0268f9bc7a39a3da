using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Monitoring;

/// <summary><c>GET /api/v1/stats</c> (read scope): the counts agree with what the test's clients did.</summary>
public sealed class StatsApiTests(MonitoringServer server) : IClassFixture<MonitoringServer>
{
    [Fact]
    public async Task Stats_agree_with_the_connections_publishes_and_retained_messages_of_the_test()
    {
        using var api = new ApiClient(server, MonitoringServer.ReadKey);
        var before = await api.GetAsync("stats");
        var topic = Unique.Topic("stats");
        await using var subscriber = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("ssub"));
        await subscriber.SubscribeAsync($"{topic}/#", MqttQualityOfServiceLevel.AtLeastOnce);
        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("spub"));

        await publisher.PublishAsync($"{topic}/a", "1", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        await publisher.PublishAsync($"{topic}/b", "2", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);
        await publisher.PublishAsync($"{topic}/a", "3", MqttQualityOfServiceLevel.AtLeastOnce, retain: true); // replaces the first
        await publisher.PublishAsync($"{topic}/c", "4", MqttQualityOfServiceLevel.AtMostOnce);
        for (var i = 0; i < 4; i++)
            await subscriber.ReceiveAsync();

        var after = await api.GetAsync("stats");
        Assert.Equal(Long(before, "connections") + 2, Long(after, "connections"));
        Assert.Equal(Long(before, "connections_accepted") + 2, Long(after, "connections_accepted"));
        Assert.Equal(Long(before, "sessions") + 2, Long(after, "sessions"));
        Assert.Equal(Long(before, "subscriptions") + 1, Long(after, "subscriptions"));
        Assert.Equal(Long(before, "messages_received") + 4, Long(after, "messages_received"));
        Assert.Equal(Long(before, "retained_messages") + 2, Long(after, "retained_messages"));
        Assert.Equal(ByQos(before, "messages_received_by_qos").Zip([1, 3, 0], (b, n) => b + n), ByQos(after, "messages_received_by_qos"));
        Assert.Equal(ByQos(before, "messages_sent_by_qos").Zip([1, 3, 0], (b, n) => b + n), ByQos(after, "messages_sent_by_qos"));
        Assert.Matches(@"^herald version \d+\.\d+", after.GetProperty("version").GetString());
        Assert.True(Long(after, "uptime_seconds") >= Long(before, "uptime_seconds"));
    }

    [Fact]
    public async Task Connections_in_stats_fall_back_once_clients_leave()
    {
        using var api = new ApiClient(server, MonitoringServer.ReadKey);
        var before = Long(await api.GetAsync("stats"), "connections");
        await using (var client = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("sleave")))
            Assert.Equal(before + 1, Long(await api.GetAsync("stats"), "connections"));

        await Poll.UntilAsync(async () => Long(await api.GetAsync("stats"), "connections"), n => n == before, "connections after the client left");
    }

    [Fact]
    public async Task Packets_and_bytes_in_stats_count_the_wire_exactly()
    {
        using var api = new ApiClient(server, MonitoringServer.ReadKey);
        var before = await api.GetAsync("stats");
        var connect = Packets.Connect(Unique.ClientId("sraw"));
        using var client = await RawClient.ConnectMqttAsync(server.MqttPort, connect); // CONNACK: 4 bytes

        await client.SendAsync(Packets.PingReq());
        Assert.Equal([0xD0, 0x00], await client.ReadPacketAsync());

        // The writer loop counts what it hands to the transport: polled, as it runs on its own.
        var after = await Poll.UntilAsync(() => api.GetAsync("stats"), s => Long(s, "bytes_sent") >= Long(before, "bytes_sent") + 4 + 2, "bytes_sent with the PINGRESP");
        Assert.Equal(Long(before, "bytes_sent") + 4 + 2, Long(after, "bytes_sent"));
        Assert.Equal(Long(before, "packets_sent") + 2, Long(after, "packets_sent"));
        Assert.Equal(Long(before, "bytes_received") + connect.Length + 2, Long(after, "bytes_received"));
        Assert.Equal(Long(before, "packets_received") + 2, Long(after, "packets_received"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Stats_without_a_right_key_get_401(string? key)
    {
        using var api = new ApiClient(server, key);

        await ApiClient.ProblemAsync(await api.SendAsync(HttpMethod.Get, "stats"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Stats_need_the_read_scope_which_a_publish_key_lacks()
    {
        using var publishOnly = new ApiClient(server, MonitoringServer.PublishKey);
        using var all = new ApiClient(server, MonitoringServer.Key);

        await ApiClient.ProblemAsync(await publishOnly.SendAsync(HttpMethod.Get, "stats"), HttpStatusCode.Forbidden);
        await all.GetAsync("stats");
    }

    private static long Long(JsonElement json, string name) => json.GetProperty(name).GetInt64();

    private static long[] ByQos(JsonElement json, string name) => [.. json.GetProperty(name).EnumerateArray().Select(e => e.GetInt64())];
}

using Herald.Broker.Auth;
using Herald.Server.Tests.Auth;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Monitoring;

/// <summary>
/// <c>/metrics</c>, OpenTelemetry's Prometheus exporter, as a scraper reads it: the broker's
/// counters and gauges ("Herald.Broker") and the store's histogram ("Herald.Storage") move by
/// exactly what the test did. Polled: the exporter may serve a cached scrape for a moment.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsEndpointTests(MetricsServer server) : IClassFixture<MetricsServer>
{
    [Fact]
    public async Task Metrics_are_served_as_prometheus_text_with_the_broker_families()
    {
        var scrape = await PrometheusText.ScrapeAsync(server.HttpPort);

        Assert.Equal("counter", scrape.TypeOf("herald_messages_received_total"));
        Assert.Equal("counter", scrape.TypeOf("herald_messages_sent_total"));
        Assert.Equal("counter", scrape.TypeOf("herald_messages_dropped_total"));
        Assert.Equal("gauge", scrape.TypeOf("herald_connections"));
        Assert.Equal("gauge", scrape.TypeOf("herald_sessions"));
        Assert.Equal(["0", "1", "2"], scrape.Series("herald_messages_received_total", "qos").Select(s => s.Label).Order());
    }

    [Fact]
    public async Task Qos1_messages_received_grow_by_exactly_the_number_published()
    {
        var before = await PrometheusText.ScrapeAsync(server.HttpPort);
        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("mpub"));
        var topic = Unique.Topic("metrics");

        for (var i = 0; i < 7; i++)
            await publisher.PublishAsync(topic, $"m{i}", MqttQualityOfServiceLevel.AtLeastOnce);
        await publisher.PublishAsync(topic, "at most once");

        var qos1 = before.Value("herald_messages_received_total", "qos=1");
        var after = await ScrapeUntilAsync(s => s.Value("herald_messages_received_total", "qos=1") != qos1, "herald_messages_received_total{qos=1}");
        Assert.Equal(qos1 + 7, after.Value("herald_messages_received_total", "qos=1"));
        Assert.Equal(before.Value("herald_messages_received_total", "qos=2"), after.Value("herald_messages_received_total", "qos=2"));
        await ScrapeUntilAsync(s => s.Value("herald_messages_received_total", "qos=0") == before.Value("herald_messages_received_total", "qos=0") + 1, "herald_messages_received_total{qos=0}");
    }

    [Fact]
    public async Task Connections_gauge_follows_the_clients_connected()
    {
        var before = (await PrometheusText.ScrapeAsync(server.HttpPort)).Value("herald_connections");
        var clients = new List<MqttNetClient>();
        try
        {
            for (var i = 0; i < 3; i++)
                clients.Add(await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("mconn")));

            await ScrapeUntilAsync(s => s.Value("herald_connections") == before + 3, "herald_connections with 3 more clients");
        }
        finally
        {
            foreach (var client in clients)
                await client.DisposeAsync();
        }
        await ScrapeUntilAsync(s => s.Value("herald_connections") == before, "herald_connections once they left");
    }

    [Fact]
    public async Task Dropped_messages_are_counted_with_their_reason()
    {
        var before = await PrometheusText.ScrapeAsync(server.HttpPort);
        var topic = Unique.Topic("drops");
        var awayId = Unique.ClientId("maway");
        await using (var away = await MqttNetClient.ConnectAsync(server.MqttPort, awayId, o => o.WithCleanSession(false)))
        {
            await away.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await away.DisconnectAsync();
        }
        await Poll.UntilAsync(() => Task.FromResult(server.Broker.Sessions.TryGet(awayId, out var s) && !s.IsConnected), away => away, "the session of the client that left");
        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("mpub"));

        // An MQTT 3.1.1 publisher is not refused: each message past the queue's 2 drops the oldest.
        for (var i = 0; i < MetricsServer.MaxQueuedMessages + 3; i++)
            await publisher.PublishAsync(topic, $"m{i}", MqttQualityOfServiceLevel.AtLeastOnce);

        var full = before.Value("herald_messages_dropped_total", "reason=SessionQueueFull");
        var after = await ScrapeUntilAsync(s => s.Value("herald_messages_dropped_total", "reason=SessionQueueFull") != full, "herald_messages_dropped_total{reason=SessionQueueFull}");
        Assert.Equal(full + 3, after.Value("herald_messages_dropped_total", "reason=SessionQueueFull"));
        Assert.Equal(before.Value("herald_messages_dropped_total", "reason=Expired"), after.Value("herald_messages_dropped_total", "reason=Expired"));
    }

    [Fact]
    public async Task Refused_login_is_counted_with_its_reason()
    {
        var user = Unique.ClientId("muser");
        await server.App.Services.GetRequiredService<IUserStore>().SaveUserAsync(user, PasswordHash.Create("right", 1_000), CancellationToken.None);
        var before = (await PrometheusText.ScrapeAsync(server.HttpPort)).Find("herald_auth_failures_total", "reason=BadUserNameOrPassword") ?? 0;

        var (code, _) = await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V311, user, "wrong");

        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, code);
        var after = await ScrapeUntilAsync(s => (s.Find("herald_auth_failures_total", "reason=BadUserNameOrPassword") ?? 0) != before, "herald_auth_failures_total{reason=BadUserNameOrPassword}");
        Assert.Equal(before + 1, after.Value("herald_auth_failures_total", "reason=BadUserNameOrPassword"));
    }

    [Fact]
    public async Task Store_commit_duration_is_a_histogram_in_seconds_of_every_commit()
    {
        var before = (await PrometheusText.ScrapeAsync(server.HttpPort)).Value("herald_store_commit_duration_seconds_count");
        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("mret"));

        // A retained message is acknowledged once it is committed to herald.db.
        await publisher.PublishAsync(Unique.Topic("store"), "kept", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        var after = await ScrapeUntilAsync(s => s.Value("herald_store_commit_duration_seconds_count") > before, "herald_store_commit_duration_seconds_count");
        var buckets = after.Series("herald_store_commit_duration_seconds_bucket", "le");
        Assert.Equal(
            ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "+Inf"],
            buckets.Select(b => b.Label));
        Assert.Equal(buckets.Select(b => b.Value).Order(), buckets.Select(b => b.Value)); // cumulative
        Assert.Equal(after.Value("herald_store_commit_duration_seconds_count"), buckets[^1].Value);
        Assert.InRange(after.Value("herald_store_commit_duration_seconds_sum"), double.Epsilon, after.Value("herald_store_commit_duration_seconds_count") * 2.5);
    }

    private Task<PrometheusText> ScrapeUntilAsync(Func<PrometheusText, bool> done, string what) =>
        Poll.UntilAsync(() => PrometheusText.ScrapeAsync(server.HttpPort), done, what);
}

using Herald.Server.Tests.Fixtures;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Monitoring;

/// <summary>
/// <c>/metrics</c> of several hosts in one process, as a test suite runs them. Apart from
/// <see cref="MetricsEndpointTests"/>: ending a host here takes the Herald families out of every
/// other host's <c>/metrics</c> in the process.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsIsolationTests
{
    /// <summary>
    /// Each host's <c>/metrics</c> shows its own broker and store. The exporter subscribes to the
    /// meters by name, for every host in the process; without the host's view, the observable
    /// counters of the broker built last would overwrite the others', and the store histogram
    /// would add up every store's commits.
    /// </summary>
    [Fact]
    public async Task Two_servers_in_one_process_each_export_their_own_counts()
    {
        await using var busy = await HeraldServer.StartAsync(null, null, "--Herald:Sys:IntervalSeconds=0");
        await using var idle = await HeraldServer.StartAsync(null, null, "--Herald:Sys:IntervalSeconds=0");
        await using var publisher = await MqttNetClient.ConnectAsync(busy.MqttPort, Unique.ClientId("mbusy"));

        for (var i = 0; i < 5; i++)
            await publisher.PublishAsync(Unique.Topic("busy"), "kept", MqttQualityOfServiceLevel.AtLeastOnce, retain: true);

        var busyScrape = await PrometheusText.ScrapeAsync(busy.HttpPort);
        var idleScrape = await PrometheusText.ScrapeAsync(idle.HttpPort);
        // (connections, QoS 1 messages received, retained messages)
        Assert.Equal(
            (1.0, 5.0, 5.0),
            (busyScrape.Value("herald_connections"), busyScrape.Value("herald_messages_received_total", "qos=1"), busyScrape.Value("herald_retained_messages")));
        Assert.Equal(
            (0.0, 0.0, 0.0),
            (idleScrape.Value("herald_connections"), idleScrape.Value("herald_messages_received_total", "qos=1"), idleScrape.Value("herald_retained_messages")));
        // A histogram nothing was recorded in is not exported at all: absent counts as none.
        Assert.Equal(0, idleScrape.Find("herald_store_commit_duration_seconds_count") ?? 0);
    }

    /// <summary>
    /// A host that ends disposes its meters; an exporter subscribed to them too would then drop the
    /// metric streams they fed, its own host's included, and the surviving host's <c>/metrics</c>
    /// would have no Herald family left.
    /// </summary>
    [Fact]
    public async Task Ending_one_server_leaves_the_metrics_of_another_in_place()
    {
        await using var staying = await HeraldServer.StartAsync(null, null, "--Herald:Sys:IntervalSeconds=0");
        await using var publisher = await MqttNetClient.ConnectAsync(staying.MqttPort, Unique.ClientId("mstay"));
        await publisher.PublishAsync(Unique.Topic("stay"), "m", MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(1, (await PrometheusText.ScrapeAsync(staying.HttpPort)).Value("herald_messages_received_total", "qos=1"));

        await (await HeraldServer.StartAsync(null, null, "--Herald:Sys:IntervalSeconds=0")).DisposeAsync();

        // Two more collections, each scraped until its message shows, past the exporter's cached answer.
        PrometheusText? scrape = null;
        for (var expected = 2; expected <= 3; expected++)
        {
            await publisher.PublishAsync(Unique.Topic("stay"), "m", MqttQualityOfServiceLevel.AtLeastOnce);
            scrape = await Poll.UntilAsync(
                () => PrometheusText.ScrapeAsync(staying.HttpPort),
                s => s.Find("herald_messages_received_total", "qos=1") == expected,
                $"herald_messages_received_total{{qos=1}} = {expected} on the server still running");
        }
        Assert.Equal(1, scrape!.Value("herald_connections"));
    }
}

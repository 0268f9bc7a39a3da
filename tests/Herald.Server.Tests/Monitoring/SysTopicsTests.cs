using System.Text.RegularExpressions;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Monitoring;

/// <summary>
/// <c>$SYS/broker/...</c> as independent clients see it on a real server with
/// <c>--Herald:Sys:IntervalSeconds</c>: mosquitto_sub reads the tree, MQTTnet and paho make the
/// traffic it reports.
/// </summary>
public sealed class SysTopicsTests
{
    private const string Uptime = "$SYS/broker/uptime";

    [Fact]
    public async Task Mosquitto_sub_reads_version_uptime_and_the_clients_the_test_holds()
    {
        await using var server = await HeraldServer.StartAsync(null, null, "--Herald:Sys:IntervalSeconds=1");
        await using var first = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("held"));
        await using var second = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("held"));
        await using var sys = await SysWatcher.StartAsync(server.MqttPort);

        // The two MQTTnet clients and mosquitto_sub itself.
        await sys.WaitForAsync("$SYS/broker/clients/connected", "3");

        Assert.Matches(@"^herald version \d+\.\d+", await sys.WaitForAsync("$SYS/broker/version"));
        Assert.Matches(@"^\d+ seconds$", await sys.WaitForAsync(Uptime));
        await sys.WaitForAsync("$SYS/broker/clients/total", "3");
        Assert.Equal("0", await sys.WaitForAsync("$SYS/broker/clients/disconnected"));
        var seconds = Seconds(sys.Latest(Uptime)!);
        await sys.WaitForAsync(Uptime, v => Seconds(v) > seconds); // published again every interval
    }

    [Fact]
    public async Task Sys_topics_are_there_as_soon_as_the_server_started_not_one_interval_later()
    {
        await using var server = await HeraldServer.StartAsync(null, null, "--Herald:Sys:IntervalSeconds=3600");
        await using var sys = await SysWatcher.StartAsync(server.MqttPort);

        Assert.Matches(@"^herald version \d+\.\d+", await sys.WaitForAsync("$SYS/broker/version"));
        Assert.Equal("0", await sys.WaitForAsync("$SYS/broker/publish/messages/received"));
    }

    [Fact]
    public async Task Publish_messages_received_grows_by_what_a_paho_client_publishes()
    {
        await using var server = await HeraldServer.StartAsync(null, null, "--Herald:Sys:IntervalSeconds=1");
        await using var sys = await SysWatcher.StartAsync(server.MqttPort);
        Assert.Equal("0", await sys.WaitForAsync("$SYS/broker/publish/messages/received"));

        await Paho.PublishAsync(server.MqttPort, Unique.Topic("sys"), ["a", "b", "c"], MqttQualityOfServiceLevel.AtLeastOnce);

        await sys.WaitForAsync("$SYS/broker/publish/messages/received", "3");
        Assert.Equal("0", await sys.WaitForAsync("$SYS/broker/publish/messages/dropped"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.7.2-1")]
    public async Task Mqttnet_subscriber_to_hash_gets_no_sys_topic_while_mosquitto_sub_gets_them()
    {
        await using var server = await HeraldServer.StartAsync(null, null, "--Herald:Sys:IntervalSeconds=1");
        await using var sys = await SysWatcher.StartAsync(server.MqttPort);
        await using var everything = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("hash"));
        await everything.SubscribeAsync("#", MqttQualityOfServiceLevel.AtMostOnce);
        var subscribed = Seconds(await sys.WaitForAsync(Uptime));

        // Two intervals on, the server has published $SYS again since "#" was subscribed.
        await sys.WaitForAsync(Uptime, v => Seconds(v) >= subscribed + 2);
        var sentinel = Unique.Topic("sentinel");
        await everything.PublishAsync(sentinel, "after");

        Assert.Equal(sentinel, (await everything.ReceiveAsync()).Topic);
    }

    [Fact]
    public async Task No_sys_topic_is_published_with_interval_zero()
    {
        // A fake clock moved an hour on fires any timer the server set, at once.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await HeraldServer.StartAsync(time, null, "--Herald:Sys:IntervalSeconds=0");
        time.Advance(TimeSpan.FromHours(1));
        var sentinel = Unique.Topic("sentinel");
        await using var watcher = await Mosquitto.SubscribeAsync(server.MqttPort, "$SYS/#", extraArgs: ["-t", sentinel]);

        await Mosquitto.PublishAsync(server.MqttPort, sentinel, "after");

        Assert.Equal(new Received(sentinel, "after", 0, false), await watcher.ReceiveAsync());
        Assert.Equal(0, server.Broker.Retained.Count);
    }

    [Fact]
    public async Task Sys_topics_published_on_a_fake_clock_reach_a_later_mosquitto_sub_as_retained()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await HeraldServer.StartAsync(time, null, "--Herald:Sys:IntervalSeconds=1");
        time.Advance(TimeSpan.FromSeconds(5));

        await using var watcher = await Mosquitto.SubscribeAsync(server.MqttPort, Uptime);

        Assert.Equal(new Received(Uptime, "5 seconds", 0, true), await watcher.ReceiveAsync());
    }

    private static long Seconds(string uptime) => long.Parse(Regex.Match(uptime, @"^(\d+) seconds$").Groups[1].Value);
}

using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Diagnostics;

/// <summary>
/// The <c>$SYS/broker/...</c> topics on a fake clock: Mosquitto's names and formats, exact values
/// after a known sequence of packets, retained QoS 0, and published again only when they changed.
/// </summary>
public sealed class SysTopicsTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Sys_topics_carry_mosquittos_names_and_exact_values_after_a_known_sequence()
    {
        // A queue of 8 bytes holds one 8-byte message ("t" with its length, and "hello"): the next pushes it out.
        using var broker = new TestBroker(new BrokerOptions { SysInterval = Interval, MaxQueuedBytes = 8 });
        var subscriber = await broker.ConnectSubscriberAsync("s", "t", AtLeastOnce); // CONNECT 15 bytes, SUBSCRIBE 8
        var away = await broker.ConnectSubscriberAsync("a", "t", AtLeastOnce, cleanSession: false); // 15 + 8
        away.LoseConnection();
        var publisher = await broker.ConnectAsync("p"); // 15
        await publisher.PublishAsync("t", "hello", AtLeastOnce); // 12
        await publisher.PublishAsync("t", "world", AtLeastOnce); // 12; drops "hello" from the away session's queue
        await publisher.PublishAsync("r", "21", retain: true); // 7
        publisher.AssertReceived(new AckPacket(PacketType.PubAck, 1), new AckPacket(PacketType.PubAck, 2));
        subscriber.AssertReceived(new Publish("t", "hello", AtLeastOnce, PacketId: 1), new Publish("t", "world", AtLeastOnce, PacketId: 2));
        await subscriber.PubAckAsync(1); // 4
        await subscriber.PubAckAsync(2); // 4

        broker.Advance(Interval);
        var sys = await ReadSysTreeAsync(broker, "reader");

        Assert.Matches(@"^herald version \d+\.\d+", sys["$SYS/broker/version"]);
        var expected = new Dictionary<string, string>
        {
            ["$SYS/broker/uptime"] = "10 seconds",
            ["$SYS/broker/clients/connected"] = "2",
            ["$SYS/broker/clients/active"] = "2",
            ["$SYS/broker/clients/disconnected"] = "1",
            ["$SYS/broker/clients/inactive"] = "1",
            ["$SYS/broker/clients/total"] = "3",
            ["$SYS/broker/clients/maximum"] = "2",
            ["$SYS/broker/messages/received"] = "10", // every packet: 3 CONNECT, 2 SUBSCRIBE, 3 PUBLISH, 2 PUBACK
            ["$SYS/broker/messages/sent"] = "9", // 3 CONNACK, 2 SUBACK, 2 PUBACK, 2 PUBLISH
            ["$SYS/broker/publish/messages/received"] = "3",
            ["$SYS/broker/publish/messages/sent"] = "2",
            ["$SYS/broker/publish/messages/dropped"] = "1",
            ["$SYS/broker/bytes/received"] = "100", // 3 × 15 + 2 × 8 + 2 × 12 + 7 + 2 × 4
            ["$SYS/broker/retained messages/count"] = "1",
            ["$SYS/broker/subscriptions/count"] = "2",
            ["$SYS/broker/messages/stored"] = "2", // the retained message and "world" waiting for "a"
            ["$SYS/broker/store/messages/count"] = "2",
            ["$SYS/broker/messages/inflight"] = "0",
        };
        foreach (var name in (string[])["messages/received", "messages/sent", "publish/received", "publish/sent", "publish/dropped", "bytes/received", "bytes/sent", "connections", "sockets"])
        {
            // Mosquitto's first publication of a load is its starting value, 0.
            foreach (var period in (string[])["1min", "5min", "15min"])
                expected[$"$SYS/broker/load/{name}/{period}"] = "0.00";
        }
        Assert.Equal(expected, expected.Keys.ToDictionary(topic => topic, topic => sys.GetValueOrDefault(topic) ?? "(not published)"));
    }

    [Fact]
    public async Task Sys_topics_are_retained_at_qos0_so_a_later_subscriber_gets_them_at_once()
    {
        using var broker = new TestBroker(new BrokerOptions { SysInterval = Interval });
        broker.Advance(Interval);

        var late = await broker.ConnectAsync("late");
        var subAck = await late.SubscribeAsync("$SYS/broker/#", ExactlyOnce);

        Assert.Equal(new SubAck(1, 2), subAck);
        var publishes = late.Received().Cast<Publish>().ToArray();
        Assert.Contains(new Publish("$SYS/broker/uptime", "10 seconds", AtMostOnce, Retain: true), publishes);
        Assert.Contains(new Publish("$SYS/broker/clients/total", "0", AtMostOnce, Retain: true), publishes);
        Assert.All(publishes, p => Assert.Equal((AtMostOnce, true), (p.QoS, p.Retain)));
        Assert.Equal(publishes.Length, publishes.Select(p => p.Topic).Distinct().Count());
    }

    [Fact]
    public async Task Unchanged_value_is_not_published_again_and_a_changed_one_is()
    {
        using var broker = new TestBroker(new BrokerOptions { SysInterval = Interval });
        var watcher = await broker.ConnectSubscriberAsync("watcher", "$SYS/#", AtMostOnce);
        broker.Advance(Interval);
        var first = Values(watcher.Received());
        Assert.Equal("1", first["$SYS/broker/clients/connected"]);
        Assert.Contains("$SYS/broker/version", first.Keys);

        broker.Advance(Interval);
        var second = Values(watcher.Received());

        Assert.Equal("20 seconds", second["$SYS/broker/uptime"]);
        Assert.DoesNotContain("$SYS/broker/version", second.Keys);
        Assert.DoesNotContain("$SYS/broker/clients/connected", second.Keys);
        Assert.DoesNotContain("$SYS/broker/subscriptions/count", second.Keys);
        Assert.DoesNotContain("$SYS/broker/publish/messages/received", second.Keys);
        Assert.DoesNotContain("$SYS/broker/messages/received", second.Keys); // no packet came in
        // The watcher was sent the first publication: packets out changed.
        Assert.Equal((2 + first.Count).ToString(), second["$SYS/broker/messages/sent"]);

        await broker.ConnectAsync("newcomer");
        broker.Advance(Interval);
        var third = Values(watcher.Received());

        Assert.Equal("2", third["$SYS/broker/clients/connected"]);
        Assert.Equal("2", third["$SYS/broker/clients/total"]);
        Assert.Equal("3", third["$SYS/broker/messages/received"]); // CONNECT and SUBSCRIBE of the watcher, CONNECT of the newcomer
        Assert.DoesNotContain("$SYS/broker/version", third.Keys);
    }

    [Fact]
    public async Task Sys_publications_are_neither_client_traffic_nor_hot_topics()
    {
        using var broker = new TestBroker(new BrokerOptions { SysInterval = Interval });
        await broker.ConnectSubscriberAsync("watcher", "$SYS/#", AtMostOnce);

        for (var i = 0; i < 3; i++)
            broker.Advance(Interval);

        Assert.Equal(0, broker.Broker.Metrics.PublishReceivedTotal);
        var sys = await ReadSysTreeAsync(broker, "reader");
        Assert.Equal("0", sys["$SYS/broker/publish/messages/received"]);
        Assert.Empty(broker.Broker.TopicStatistics.Top(TimeSpan.FromMinutes(1), limit: 10).Topics);
    }

    [Fact]
    public async Task No_sys_topic_is_published_when_the_interval_is_zero()
    {
        using var broker = new TestBroker(new BrokerOptions { SysInterval = TimeSpan.Zero });
        var watcher = await broker.ConnectSubscriberAsync("watcher", "$SYS/#", AtMostOnce);

        broker.Advance(TimeSpan.FromHours(1));

        watcher.AssertReceivedNothing();
        Assert.Equal(0, broker.Retained.Count);
    }

    /// <summary>Connects a client that subscribes to <c>$SYS/#</c> and returns the retained values it got, by topic.</summary>
    internal static async Task<Dictionary<string, string>> ReadSysTreeAsync(TestBroker broker, string clientId)
    {
        var reader = await broker.ConnectAsync(clientId);
        await reader.SubscribeAsync("$SYS/#", AtMostOnce);
        return Values(reader.Received());
    }

    private static Dictionary<string, string> Values(object[] received) =>
        received.Cast<Publish>().ToDictionary(p => p.Topic, p => p.Payload);
}

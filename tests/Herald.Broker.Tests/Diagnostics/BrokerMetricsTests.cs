using Herald.Broker.Auth;
using Herald.Broker.Sessions;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Diagnostics;

/// <summary>
/// <see cref="Diagnostics.BrokerMetrics"/>: what the engine counts, read both through a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/> on the meter "Herald.Broker" and through
/// the public properties the $SYS topics and the stats API use, which must agree.
/// </summary>
public sealed class BrokerMetricsTests
{
    private static readonly Properties LastingSession = new() { SessionExpiryInterval = 3600 };

    [Fact]
    public async Task Messages_received_and_sent_are_counted_by_qos()
    {
        using var broker = new MeteredBroker(new BrokerOptions(), new TestAuthenticator());
        var subscriber = await Connect5Async(broker, "sub");
        await subscriber.SubscribeAsync("t", ExactlyOnce);
        var publisher = await ConnectAsync(broker, "pub");

        await publisher.PublishAsync("t", "a");
        await publisher.PublishAsync("t", "b");
        for (var i = 0; i < 3; i++)
            await publisher.PublishAsync("t", "c", AtLeastOnce);
        var id = await publisher.PublishAsync("t", "d", ExactlyOnce);
        await publisher.PubRelAsync(id);
        await publisher.PublishAsync("nobody/listens", "e", AtLeastOnce); // received, sent to no one
        Assert.Equal(6, subscriber.ReceivedPublishes().Length);

        var reading = broker.Collect();
        Assert.Equal((2, 4, 1), (reading["herald.messages.received", "qos=0"], reading["herald.messages.received", "qos=1"], reading["herald.messages.received", "qos=2"]));
        Assert.Equal((2, 4, 1), (broker.Metrics.PublishReceived(AtMostOnce), broker.Metrics.PublishReceived(AtLeastOnce), broker.Metrics.PublishReceived(ExactlyOnce)));
        Assert.Equal(7, broker.Metrics.PublishReceivedTotal);
        Assert.Equal((2, 3, 1), (reading["herald.messages.sent", "qos=0"], reading["herald.messages.sent", "qos=1"], reading["herald.messages.sent", "qos=2"]));
        Assert.Equal((2, 3, 1), (broker.Metrics.PublishSent(AtMostOnce), broker.Metrics.PublishSent(AtLeastOnce), broker.Metrics.PublishSent(ExactlyOnce)));
        Assert.Equal(6, broker.Metrics.PublishSentTotal);
    }

    [Fact]
    public async Task Drops_are_counted_by_reason()
    {
        using var broker = new MeteredBroker(new BrokerOptions { MaxQueuedMessages = 2 }, new TestAuthenticator());
        var away = await ConnectAsync(broker, "away", cleanSession: false);
        await away.SubscribeAsync("q", AtLeastOnce);
        away.LoseConnection();
        var expiring = await Connect5Async(broker, "expiring", LastingSession);
        await expiring.SubscribeAsync("e", AtLeastOnce);
        expiring.LoseConnection();
        var classic = await ConnectAsync(broker, "pub311");
        var modern = await Connect5Async(broker, "pub5");

        // An MQTT 3.1.1 publisher cannot be refused: the oldest queued message makes room.
        for (var i = 1; i <= 5; i++)
            await classic.PublishAsync("q", $"m{i}", AtLeastOnce);
        await modern.PublishAsync("e", "stale", AtLeastOnce, properties: new Properties { MessageExpiryInterval = 5 });
        broker.Time.Advance(TimeSpan.FromSeconds(6));
        var back = broker.Open();
        Assert.True((await back.Connect5Async("expiring", LastingSession, cleanStart: false, username: "alice", password: "secret")).SessionPresent);
        Assert.Empty(back.ReceivedPublishes());

        var reading = broker.Collect();
        Assert.Equal(3, reading["herald.messages.dropped", "reason=SessionQueueFull"]);
        Assert.Equal(1, reading["herald.messages.dropped", "reason=Expired"]);
        Assert.Equal(3, broker.Metrics.Dropped(DropReason.SessionQueueFull));
        Assert.Equal(1, broker.Metrics.Dropped(DropReason.Expired));
        Assert.Equal(4, broker.Metrics.DroppedTotal);
        // Every reason is measured, the ones that never happened as 0.
        Assert.Equal(Enum.GetNames<DropReason>().Select(r => $"reason={r}").Order(), reading.Tags("herald.messages.dropped").Order());
        foreach (var reason in Enum.GetValues<DropReason>())
            Assert.Equal(broker.Metrics.Dropped(reason), reading["herald.messages.dropped", $"reason={reason}"]);
    }

    [Fact]
    public async Task Refused_logins_are_counted_by_reason_and_accepted_ones_are_not()
    {
        using var broker = new MeteredBroker(new BrokerOptions(), new TestAuthenticator());

        Assert.Equal(ConnectReturnCode.BadUsernameOrPassword, (await broker.Open().ConnectAsync("c1", username: "alice", password: "wrong")).ReturnCode);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, (await broker.Open().Connect5Async("c2", username: "mallory", password: "x")).Reason);
        Assert.Equal(ReasonCode.NotAuthorized, (await broker.Open().Connect5Async("c3", username: "guest", password: "x")).Reason);
        await ConnectAsync(broker, "c4");

        var reading = broker.Collect();
        Assert.Equal(["reason=BadUserNameOrPassword", "reason=NotAuthorized"], reading.Tags("herald.auth.failures").Order());
        Assert.Equal(2, reading["herald.auth.failures", "reason=BadUserNameOrPassword"]);
        Assert.Equal(1, reading["herald.auth.failures", "reason=NotAuthorized"]);
        Assert.Equal(
            new Dictionary<ReasonCode, long> { [ReasonCode.BadUserNameOrPassword] = 2, [ReasonCode.NotAuthorized] = 1 },
            broker.Metrics.AuthFailures);
    }

    [Fact]
    public async Task Packets_and_bytes_received_count_whole_packets_only()
    {
        using var broker = new MeteredBroker(new BrokerOptions(), new AnonymousAuthenticator());
        var client = broker.Open();
        await client.ConnectAsync("c"); // 15 bytes
        await client.PingAsync(); // 2
        var publish = Encode.Publish("t", "hello", AtLeastOnce, packetId: 1, retain: false, dup: false); // 12

        await client.SendAsync(publish[..5]);

        Assert.Equal((2, 17), (broker.Metrics.PacketsReceived, broker.Metrics.BytesReceived));
        await client.SendAsync(publish[5..]);
        var reading = broker.Collect();
        Assert.Equal((3, 29), (reading["herald.packets.received"], reading["herald.bytes.received"]));
        Assert.Equal((3, 29), (broker.Metrics.PacketsReceived, broker.Metrics.BytesReceived));
        Assert.Equal(2, client.Received().Length); // PINGRESP and PUBACK, after the CONNACK
        reading = broker.Collect();
        Assert.Equal(3, reading["herald.packets.sent"]);
        Assert.Equal(3, broker.Metrics.PacketsSent);
        Assert.Equal(1, reading["herald.connections.accepted"]);
        Assert.Equal(1, broker.Metrics.ConnectionsAccepted);
    }

    [Fact]
    public async Task State_instruments_read_connections_sessions_subscriptions_retained_and_queues()
    {
        using var broker = new MeteredBroker(new BrokerOptions(), new TestAuthenticator());
        var online = await ConnectAsync(broker, "online");
        await online.SubscribeAsync("t", AtLeastOnce);
        var away = await ConnectAsync(broker, "away", cleanSession: false);
        await away.SubscribeAsync("t", AtLeastOnce);
        await away.SubscribeAsync("u", AtLeastOnce);
        away.LoseConnection();
        var publisher = await ConnectAsync(broker, "pub");

        await publisher.PublishAsync("t", "1", AtLeastOnce);
        await publisher.PublishAsync("t", "2", AtLeastOnce, retain: true);
        Assert.Equal(2, online.Received().Length); // sent, not yet acknowledged

        var reading = broker.Collect();
        Assert.Equal(2, reading["herald.connections"]);
        Assert.Equal(3, reading["herald.sessions"]);
        Assert.Equal(3, reading["herald.subscriptions"]);
        Assert.Equal(1, reading["herald.retained.messages"]);
        Assert.Equal(2, reading["herald.queue.messages"]); // waiting for "away"
        Assert.Equal(2, reading["herald.inflight.messages"]); // sent to "online"
        Assert.Equal((2L, 2L), broker.Broker.QueueDepths());
        Assert.Equal(2, broker.Broker.Clients.Count());
    }

    private static async Task<TestClient> ConnectAsync(MeteredBroker broker, string clientId, bool cleanSession = true)
    {
        var client = broker.Open();
        var connAck = await client.ConnectAsync(clientId, cleanSession, username: "alice", password: "secret");
        Assert.Equal(ConnectReturnCode.Accepted, connAck.ReturnCode);
        return client;
    }

    private static async Task<TestClient> Connect5Async(MeteredBroker broker, string clientId, Properties? properties = null)
    {
        var client = broker.Open();
        var connAck = await client.Connect5Async(clientId, properties, username: "alice", password: "secret");
        Assert.Equal(ReasonCode.Success, connAck.Reason);
        return client;
    }
}

using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 Clean Start and Session Expiry Interval (sections 3.1.2.4, 3.1.2.11.2, 3.14.2.2.2), on a fake clock.</summary>
public sealed class Mqtt5SessionExpiryTests
{
    private static Properties Expiry(uint seconds) => new() { SessionExpiryInterval = seconds };

    /// <summary>A subscriber to "t" at QoS 1 whose session lasts <paramref name="seconds"/>, then its connection drops.</summary>
    private static async Task SubscribeAndGoOfflineAsync(TestBroker broker, uint seconds)
    {
        var subscriber = await broker.Connect5Async("sub", Expiry(seconds));
        await subscriber.SubscribeAsync("t", AtLeastOnce);
        subscriber.LoseConnection();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    public async Task Session_expiry_0_ends_the_session_when_the_connection_closes()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1");
        await client.SubscribeAsync("t", AtLeastOnce);

        await client.DisconnectAsync();

        Assert.False(broker.HasSession("c1"));
        Assert.Equal(0, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    [Trait("Spec", "MQTT-3.1.2-5")]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Session_is_kept_for_its_expiry_interval_and_its_queued_messages_are_delivered_on_return()
    {
        using var broker = new TestBroker();
        await SubscribeAndGoOfflineAsync(broker, seconds: 10);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "while away", AtLeastOnce);

        broker.Advance(TimeSpan.FromSeconds(9));
        var subscriber = broker.Open();
        var connAck = await subscriber.Connect5Async("sub", Expiry(10), cleanStart: false);

        Assert.True(connAck.SessionPresent);
        subscriber.AssertReceivedMessages(new Publish("t", "while away", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.1.0-2")]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Session_is_discarded_when_its_expiry_interval_passes()
    {
        using var broker = new TestBroker();
        await SubscribeAndGoOfflineAsync(broker, seconds: 10);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "while away", AtLeastOnce);

        broker.Advance(TimeSpan.FromSeconds(9));
        Assert.True(broker.HasSession("sub"));
        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.False(broker.HasSession("sub"));

        var subscriber = broker.Open();
        var connAck = await subscriber.Connect5Async("sub", Expiry(10), cleanStart: false);
        Assert.False(connAck.SessionPresent);
        subscriber.AssertReceivedNothing();
        await publisher.PublishAsync("t", "after", AtMostOnce);
        subscriber.AssertReceivedNothing(); // the subscription went with the session
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    public async Task Session_expiry_0xFFFFFFFF_never_expires()
    {
        using var broker = new TestBroker();
        await SubscribeAndGoOfflineAsync(broker, seconds: uint.MaxValue);

        broker.Advance(TimeSpan.FromDays(400));

        Assert.True(broker.HasSession("sub"));
        var subscriber = broker.Open();
        var connAck = await subscriber.Connect5Async("sub", cleanStart: false);
        Assert.True(connAck.SessionPresent);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-4")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Clean_start_discards_an_existing_session()
    {
        using var broker = new TestBroker();
        await SubscribeAndGoOfflineAsync(broker, seconds: 60);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "queued", AtLeastOnce);

        var subscriber = broker.Open();
        var connAck = await subscriber.Connect5Async("sub", Expiry(60), cleanStart: true);

        Assert.False(connAck.SessionPresent);
        subscriber.AssertReceivedNothing();
        await publisher.PublishAsync("t", "after", AtLeastOnce);
        subscriber.AssertReceivedNothing();
        Assert.Empty(broker.SessionOf("sub").Subscriptions);
    }

    [Fact]
    public async Task Disconnect_with_a_session_expiry_interval_replaces_the_one_from_connect()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1", Expiry(60));

        await client.DisconnectAsync(ReasonCode.NormalDisconnection, Expiry(5));

        broker.Advance(TimeSpan.FromSeconds(4));
        Assert.True(broker.HasSession("c1"));
        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    public async Task Disconnect_with_session_expiry_0_ends_a_lasting_session_at_once()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1", Expiry(60));

        await client.DisconnectAsync(ReasonCode.NormalDisconnection, Expiry(0));

        Assert.True(client.IsClosed);
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.14.2-2")]
    [Trait("Spec", "MQTT-4.13.1-1")]
    public async Task Disconnect_that_sets_a_session_expiry_after_connect_set_0_is_a_protocol_error()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriber5Async("watcher", "status/#", AtMostOnce);
        var will = new ConnectWill("status/c1", "gone"u8.ToArray(), AtMostOnce, Retain: false);
        var client = await broker.Connect5Async("c1", will: will);

        await client.DisconnectAsync(ReasonCode.NormalDisconnection, Expiry(30));

        // The server's DISCONNECT never carries a Session Expiry Interval [MQTT-3.14.2-2].
        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
        Assert.True(client.IsClosed);
        Assert.False(broker.HasSession("c1"));
        // Not a valid DISCONNECT, so the will is not discarded.
        watcher.AssertReceivedMessages(new Publish("status/c1", "gone"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-23")]
    public async Task Reconnecting_with_a_new_expiry_interval_replaces_the_old_one()
    {
        using var broker = new TestBroker();
        var first = await broker.Connect5Async("c1", Expiry(uint.MaxValue));
        first.LoseConnection();

        var second = await broker.Connect5Async("c1", Expiry(5), cleanStart: false);
        second.LoseConnection();

        broker.Advance(TimeSpan.FromSeconds(5));
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.1.0-1")]
    public async Task Session_does_not_expire_while_its_client_is_connected()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1", Expiry(5));

        broker.Advance(TimeSpan.FromMinutes(10));

        Assert.True(broker.HasSession("c1"));
        Assert.False(client.IsClosed);
    }
}

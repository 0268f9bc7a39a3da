using Herald.Broker.Connections;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>The will message: published when a connection ends without DISCONNECT (section 3.1.2.5).</summary>
public sealed class WillTests
{
    private static ConnectWill Will(QualityOfService qos = AtLeastOnce, bool retain = false) =>
        new("status/dev", "offline"u8.ToArray(), qos, retain);

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-8")]
    [InlineData(AtMostOnce)]
    [InlineData(AtLeastOnce)]
    [InlineData(ExactlyOnce)]
    public async Task Will_is_published_with_its_qos_when_the_connection_is_lost(QualityOfService qos)
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "status/#", ExactlyOnce);
        var device = await broker.ConnectAsync("dev", will: Will(qos));

        device.LoseConnection();

        watcher.AssertReceived(new Publish("status/dev", "offline", qos, PacketId: qos == AtMostOnce ? (ushort)0 : (ushort)1));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-17")]
    public async Task Will_with_retain_is_published_as_a_retained_message()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "status/#", AtMostOnce);
        var device = await broker.ConnectAsync("dev", will: Will(AtMostOnce, retain: true));

        device.LoseConnection();

        watcher.AssertReceived(new Publish("status/dev", "offline", Retain: false)); // [MQTT-3.3.1-9]
        var late = await broker.ConnectAsync("late");
        await late.SubscribeAsync("status/#", AtMostOnce);
        late.AssertReceived(new Publish("status/dev", "offline", Retain: true));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-16")]
    public async Task Will_without_retain_is_not_stored()
    {
        using var broker = new TestBroker();
        var device = await broker.ConnectAsync("dev", will: Will(AtMostOnce, retain: false));

        device.LoseConnection();

        Assert.Equal(0, broker.Retained.Count);
        var late = await broker.ConnectAsync("late");
        await late.SubscribeAsync("status/#", AtMostOnce);
        late.AssertReceivedNothing();
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-8")]
    [Trait("Spec", "MQTT-4.8.0-1")]
    [InlineData("0000")] // reserved packet type 0
    [InlineData("3003000100")] // PUBLISH whose topic contains U+0000
    [InlineData("30FFFFFFFF7F")] // remaining length longer than four bytes
    public async Task Will_is_published_when_the_connection_is_closed_for_a_protocol_error(string garbageHex)
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "status/#", AtMostOnce);
        var device = await broker.ConnectAsync("dev", will: Will(AtMostOnce));

        await device.SendAsync(Convert.FromHexString(garbageHex));

        Assert.True(device.IsClosed);
        watcher.AssertReceived(new Publish("status/dev", "offline"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    [Trait("Spec", "MQTT-3.1.2-24")]
    public async Task Will_is_published_when_the_keepalive_expires()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "status/#", AtMostOnce);
        var device = await broker.ConnectAsync("dev", keepAliveSeconds: 10, will: Will(AtMostOnce));

        broker.Advance(TimeSpan.FromSeconds(15));

        Assert.True(device.IsClosed);
        watcher.AssertReceived(new Publish("status/dev", "offline"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.14.4-3")]
    public async Task Will_is_not_published_after_disconnect()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "status/#", AtMostOnce);
        var device = await broker.ConnectAsync("dev", will: Will(AtMostOnce, retain: true));

        await device.DisconnectAsync();

        Assert.True(device.IsClosed);
        watcher.AssertReceivedNothing();
        Assert.Equal(0, broker.Retained.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-10")]
    public async Task Will_is_published_once_however_often_the_connection_is_closed()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "status/#", AtMostOnce);
        var device = await broker.ConnectAsync("dev", will: Will(AtMostOnce));

        device.LoseConnection();
        device.Connection.Close(DisconnectReason.ProtocolError);

        watcher.AssertReceived(new Publish("status/dev", "offline"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Will_is_published_when_the_broker_stops()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "status/#", AtLeastOnce, cleanSession: false);
        var device = await broker.ConnectAsync("dev", will: Will(AtLeastOnce));

        broker.Broker.Stop();

        Assert.True(watcher.IsClosed);
        Assert.True(device.IsClosed);
        Assert.Equal(0, broker.Broker.ConnectionCount);
        var session = broker.SessionOf("watcher");
        Assert.Equal(1, session.InflightCount + session.QueuedCount); // kept for the watcher's return
    }

    [Fact]
    public async Task Refused_connection_publishes_no_will()
    {
        using var broker = new TestBroker(authenticator: new TestAuthenticator());
        var watcher = broker.Open();
        await watcher.ConnectAsync("watcher", username: "alice", password: "secret");
        await watcher.SubscribeAsync("status/#", AtMostOnce);
        var device = broker.Open();

        var connAck = await device.ConnectAsync("dev", will: Will(AtMostOnce), username: "guest", password: "guest");

        Assert.Equal(ConnectReturnCode.NotAuthorized, connAck.ReturnCode);
        watcher.AssertReceivedNothing();
    }
}

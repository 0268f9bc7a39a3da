using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>A second connection with a client id already connected (section 3.1.4).</summary>
public sealed class TakeoverTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    public async Task Second_connection_with_the_same_client_id_closes_the_first()
    {
        using var broker = new TestBroker();
        var first = await broker.ConnectAsync("c1");

        var second = broker.Open();
        var connAck = await second.ConnectAsync("c1");

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.Accepted), connAck);
        Assert.True(first.IsClosed);
        Assert.False(second.IsClosed);
        Assert.Equal(1, broker.Broker.ConnectionCount);
        Assert.Same(second.Connection, broker.SessionOf("c1").Connection);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    [Trait("Spec", "MQTT-3.1.2-8")]
    public async Task Takeover_publishes_the_will_of_the_first_connection()
    {
        using var broker = new TestBroker();
        var watcher = await broker.ConnectSubscriberAsync("watcher", "status/#");
        await broker.ConnectAsync("c1", will: new ConnectWill("status/c1", "offline"u8.ToArray(), AtLeastOnce, Retain: false));

        await broker.ConnectAsync("c1");

        watcher.AssertReceived(new Publish("status/c1", "offline", AtLeastOnce, PacketId: 1));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Takeover_of_a_persistent_session_resumes_it_on_the_new_connection()
    {
        using var broker = new TestBroker();
        var first = await broker.ConnectSubscriberAsync("c1", "t", AtLeastOnce, cleanSession: false);

        var second = broker.Open();
        var connAck = await second.ConnectAsync("c1", cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "after takeover", AtLeastOnce);

        Assert.Equal(new ConnAckPacket(SessionPresent: true, ConnectReturnCode.Accepted), connAck);
        second.AssertReceived(new Publish("t", "after takeover", AtLeastOnce, PacketId: 1));
        first.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Takeover_of_a_clean_session_starts_a_new_session()
    {
        using var broker = new TestBroker();
        var first = await broker.ConnectSubscriberAsync("c1", "t", AtLeastOnce, cleanSession: true);

        var second = broker.Open();
        var connAck = await second.ConnectAsync("c1", cleanSession: false);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "x", AtLeastOnce);

        Assert.True(first.IsClosed);
        Assert.Equal(new ConnAckPacket(SessionPresent: false, ConnectReturnCode.Accepted), connAck);
        second.AssertReceivedNothing(); // the subscription ended with the clean session
        Assert.True(broker.SessionOf("c1").IsPersistent);
    }

    [Fact]
    public async Task Refused_connect_with_the_same_client_id_leaves_the_first_connected()
    {
        using var broker = new TestBroker(authenticator: new TestAuthenticator());
        var first = broker.Open();
        await first.ConnectAsync("c1", username: "alice", password: "secret");

        var intruder = broker.Open();
        var connAck = await intruder.ConnectAsync("c1", username: "alice", password: "guess");

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.BadUsernameOrPassword), connAck);
        Assert.False(first.IsClosed);
        Assert.Same(first.Connection, broker.SessionOf("c1").Connection);
    }
}

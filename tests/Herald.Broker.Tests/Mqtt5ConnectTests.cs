using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 CONNECT and CONNACK: the server's properties, assigned client ids, Server Keep Alive, reason codes (sections 3.1, 3.2).</summary>
public sealed class Mqtt5ConnectTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.4-5")]
    public async Task Connack_carries_the_server_limits_and_capabilities()
    {
        using var broker = new TestBroker(new BrokerOptions { ReceiveMaximum = 50, TopicAliasMaximum = 7 });
        var client = broker.Open();

        var connAck = await client.Connect5Async("c1");

        Assert.Equal(ReasonCode.Success, connAck.Reason);
        Assert.False(connAck.SessionPresent);
        var properties = Assert.IsType<Properties>(connAck.Properties);
        Assert.Equal((ushort)50, properties.ReceiveMaximum);
        Assert.Equal((ushort)7, properties.TopicAliasMaximum);
        Assert.Equal((byte)1, properties.RetainAvailable);
        Assert.Equal((byte)1, properties.WildcardSubscriptionAvailable);
        Assert.Equal((byte)1, properties.SubscriptionIdentifierAvailable);
        Assert.Equal((byte)1, properties.SharedSubscriptionAvailable);
        Assert.Null(properties.MaximumQoS); // absent means QoS 2 is supported [MQTT-3.2.2-9]
        Assert.Null(properties.AssignedClientIdentifier);
        Assert.Null(properties.ServerKeepAlive);
        Assert.Null(properties.AuthenticationMethod); // [MQTT-4.12.0-6]
    }

    [Fact]
    public async Task Connack_announces_the_maximum_packet_size_only_when_it_is_limited()
    {
        using var unlimited = new TestBroker();
        using var limited = new TestBroker(new BrokerOptions { MaxPacketSize = 1024 });

        var unlimitedAck = await unlimited.Open().Connect5Async("c1");
        var limitedAck = await limited.Open().Connect5Async("c1");

        Assert.Null(unlimitedAck.Properties?.MaximumPacketSize);
        Assert.Equal(1024u, limitedAck.Properties?.MaximumPacketSize);
    }

    [Fact]
    public async Task Connack_leaves_out_topic_alias_maximum_when_the_server_refuses_aliases()
    {
        using var broker = new TestBroker(new BrokerOptions { TopicAliasMaximum = 0 });

        var connAck = await broker.Open().Connect5Async("c1");

        Assert.Null(connAck.Properties?.TopicAliasMaximum); // absent means 0 [MQTT-3.2.2-18]
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-16")]
    [Trait("Spec", "MQTT-3.1.3-7")]
    public async Task Empty_client_id_is_answered_with_an_assigned_client_identifier()
    {
        using var broker = new TestBroker();
        var first = broker.Open();
        var second = broker.Open();

        var firstAck = await first.Connect5Async("", new Properties { SessionExpiryInterval = 60 });
        var secondAck = await second.Connect5Async("");

        var assigned = Assert.IsType<string>(firstAck.Properties?.AssignedClientIdentifier);
        Assert.NotEqual("", assigned);
        Assert.Equal(assigned, first.Connection.ClientId);
        Assert.True(broker.HasSession(assigned));
        Assert.NotEqual(assigned, secondAck.Properties?.AssignedClientIdentifier);
        Assert.False(first.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-21")]
    [Trait("Spec", "MQTT-3.1.2-22")]
    public async Task Server_keep_alive_replaces_the_clients_keep_alive()
    {
        using var broker = new TestBroker(new BrokerOptions { ServerKeepAlive = 10 });
        var client = broker.Open();

        var connAck = await client.Connect5Async("c1", keepAliveSeconds: 100);

        Assert.Equal((ushort)10, connAck.Properties?.ServerKeepAlive);
        broker.Advance(TimeSpan.FromSeconds(14));
        Assert.False(client.IsClosed);
        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.True(client.IsClosed);
        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.KeepAliveTimeout));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-21")]
    public async Task Server_keep_alive_applies_to_a_client_that_asked_for_none()
    {
        using var broker = new TestBroker(new BrokerOptions { ServerKeepAlive = 10 });
        var client = broker.Open();

        var connAck = await client.Connect5Async("c1", keepAliveSeconds: 0);

        Assert.Equal((ushort)10, connAck.Properties?.ServerKeepAlive);
        broker.Advance(TimeSpan.FromSeconds(15));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-22")]
    public async Task Without_server_keep_alive_the_clients_keep_alive_is_used()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        var connAck = await client.Connect5Async("c1", keepAliveSeconds: 20);

        Assert.Null(connAck.Properties?.ServerKeepAlive);
        broker.Advance(TimeSpan.FromSeconds(29));
        Assert.False(client.IsClosed);
        broker.Advance(TimeSpan.FromSeconds(1));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-21")]
    public async Task Server_keep_alive_0_turns_keep_alive_off()
    {
        using var broker = new TestBroker(new BrokerOptions { ServerKeepAlive = 0 });
        var client = broker.Open();

        var connAck = await client.Connect5Async("c1", keepAliveSeconds: 10);

        Assert.Equal((ushort)0, connAck.Properties?.ServerKeepAlive);
        broker.Advance(TimeSpan.FromHours(1));
        Assert.False(client.IsClosed);
    }

    [Fact]
    public async Task Server_keep_alive_does_not_apply_to_mqtt311_clients()
    {
        using var broker = new TestBroker(new BrokerOptions { ServerKeepAlive = 10 });

        var client = await broker.ConnectAsync("c1", keepAliveSeconds: 100);

        broker.Advance(TimeSpan.FromSeconds(100));
        Assert.False(client.IsClosed);
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.4-2")]
    [Trait("Spec", "MQTT-3.2.2-6")]
    [Trait("Spec", "MQTT-3.2.2-7")]
    [InlineData("guest", "guest", ReasonCode.NotAuthorized)]
    [InlineData("alice", "wrong", ReasonCode.BadUserNameOrPassword)]
    public async Task Refused_credentials_get_the_mqtt5_reason_code_and_the_connection_is_closed(string username, string password, ReasonCode expected)
    {
        using var broker = new TestBroker(authenticator: new TestAuthenticator());
        var client = broker.Open();

        var connAck = await client.Connect5Async("c1", new Properties { SessionExpiryInterval = 60 }, username: username, password: password);

        Assert.Equal(expected, connAck.Reason);
        Assert.False(connAck.SessionPresent);
        Assert.True(client.IsClosed);
        client.AssertReceivedNothing(); // no DISCONNECT after a refusing CONNACK [MQTT-3.14.0-1]
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-2")]
    public async Task Banned_client_gets_reason_code_0x8A()
    {
        using var broker = new TestBroker(authenticator: new RefusingAuthenticator(ReasonCode.Banned));
        var client = broker.Open();

        var connAck = await client.Connect5Async("c1");

        Assert.Equal(ReasonCode.Banned, connAck.Reason);
        Assert.True(client.IsClosed);
    }

    [Fact]
    public async Task Connection_beyond_the_limit_gets_quota_exceeded()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxConnections = 1 });
        await broker.Connect5Async("c1");
        var second = broker.Open();

        var connAck = await second.Connect5Async("c2");

        Assert.Equal(ReasonCode.QuotaExceeded, connAck.Reason);
        Assert.True(second.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-2")]
    public async Task Connect_with_an_unknown_protocol_level_is_refused_in_mqtt311_form()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        await client.SendAsync(Encode.Connect("MQTT", 6, "c1"));

        // The server cannot know a future version's CONNACK format, so it answers as 3.1.1 does;
        // 0x84 Unsupported Protocol Version is never needed for MQTT 5 itself, which is supported.
        client.AssertReceived(new ConnAckPacket(false, ConnectReturnCode.UnacceptableProtocolVersion));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-6")]
    public async Task Empty_client_id_is_accepted_without_clean_start()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        var connAck = await client.Connect5Async("", cleanStart: false);

        Assert.Equal(ReasonCode.Success, connAck.Reason);
        Assert.NotNull(connAck.Properties?.AssignedClientIdentifier);
    }

    [Fact]
    public async Task Mqtt5_client_connects_and_exchanges_messages_at_every_qos()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", ExactlyOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "zero", AtMostOnce);
        var one = await publisher.PublishAsync("t", "one", AtLeastOnce);
        var two = await publisher.PublishAsync("t", "two", ExactlyOnce);
        await publisher.PubRelAsync(two);

        publisher.AssertReceived(
            new AckPacket(PacketType.PubAck, one),
            new AckPacket(PacketType.PubRec, two),
            new AckPacket(PacketType.PubComp, two));
        subscriber.AssertReceivedMessages(
            new Publish("t", "zero"),
            new Publish("t", "one", AtLeastOnce, PacketId: 1),
            new Publish("t", "two", ExactlyOnce, PacketId: 2));
    }
}

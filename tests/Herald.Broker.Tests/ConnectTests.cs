using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Tests;

/// <summary>CONNECT and its CONNACK return codes (sections 3.1 and 3.2).</summary>
public sealed class ConnectTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.2.0-1")]
    [Trait("Spec", "MQTT-3.1.4-4")]
    public async Task Connect_is_accepted_with_return_code_0()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        var connAck = await client.ConnectAsync("c1");

        Assert.Equal(new ConnAckPacket(SessionPresent: false, ConnectReturnCode.Accepted), connAck);
        Assert.Equal("c1", client.Connection.ClientId);
        Assert.False(client.IsClosed);
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-2")]
    [Trait("Spec", "MQTT-3.2.2-4")]
    [Trait("Spec", "MQTT-3.2.2-5")]
    [InlineData("MQTT", 3)]
    [InlineData("MQIsdp", 4)]
    public async Task Unsupported_protocol_level_gets_return_code_1_and_the_connection_is_closed(string protocolName, byte level)
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        await client.SendAsync(Encode.Connect(protocolName, level, "c1"));

        client.AssertReceived(new ConnAckPacket(false, ConnectReturnCode.UnacceptableProtocolVersion));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-6")]
    public async Task Empty_client_id_with_clean_session_is_assigned_a_unique_id()
    {
        using var broker = new TestBroker();
        var first = broker.Open();
        var second = broker.Open();

        var firstAck = await first.ConnectAsync("", cleanSession: true);
        var secondAck = await second.ConnectAsync("", cleanSession: true);

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.Accepted), firstAck);
        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.Accepted), secondAck);
        Assert.NotEqual("", first.Connection.ClientId);
        Assert.NotEqual(first.Connection.ClientId, second.Connection.ClientId);
        Assert.False(first.IsClosed); // the second did not take over the first
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.3-8")]
    public async Task Empty_client_id_without_clean_session_is_rejected_with_return_code_2()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        var connAck = await client.ConnectAsync("", cleanSession: false);

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.IdentifierRejected), connAck);
        Assert.True(client.IsClosed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abcdefghijklmnopqrstuvwx")] // 24 characters
    public async Task Mqtt31_client_id_that_is_empty_or_longer_than_23_characters_is_rejected_with_return_code_2(string clientId)
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        var connAck = await client.ConnectAsync(clientId, version: ProtocolVersion.V310);

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.IdentifierRejected), connAck);
        Assert.True(client.IsClosed);
    }

    [Fact]
    public async Task Mqtt31_client_id_of_23_characters_is_accepted()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        var connAck = await client.ConnectAsync("abcdefghijklmnopqrstuvw", version: ProtocolVersion.V310);

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.Accepted), connAck);
        Assert.Equal(ProtocolVersion.V310, client.Connection.Version);
    }

    [Fact]
    public async Task Mqtt311_accepts_client_ids_longer_than_23_characters()
    {
        using var broker = new TestBroker();
        var clientId = new string('x', 200);

        var connAck = await broker.Open().ConnectAsync(clientId);

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.Accepted), connAck);
        Assert.True(broker.HasSession(clientId));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.4-1")]
    [InlineData("MQTT", 0x03, "reserved flag set [MQTT-3.1.2-3]")]
    [InlineData("MQTT", 0x42, "password without user name [MQTT-3.1.2-22]")]
    [InlineData("MQTT", 0x1E, "will QoS 3 [MQTT-3.1.2-14]")]
    [InlineData("MQTT", 0x22, "will retain without a will [MQTT-3.1.2-15]")]
    [InlineData("MQTX", 0x02, "unknown protocol name [MQTT-3.1.2-1]")]
    public async Task Malformed_connect_closes_the_connection_without_connack(string protocolName, byte flags, string description)
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        await client.SendAsync(Encode.Connect(protocolName, 4, "c1", flags));

        Assert.True(client.IsClosed, description);
        client.AssertReceivedNothing();
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    public async Task Connect_beyond_the_connection_limit_gets_return_code_3()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxConnections = 1 });
        await broker.ConnectAsync("c1");
        var client = broker.Open();

        var connAck = await client.ConnectAsync("c2");

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.ServerUnavailable), connAck);
        Assert.True(client.IsClosed);
    }

    [Fact]
    public void Connection_opened_after_the_broker_stopped_is_closed_at_once()
    {
        using var broker = new TestBroker();
        broker.Broker.Stop();

        var client = broker.Open();

        Assert.True(client.IsClosed);
    }

    [Theory]
    [Trait("Spec", "MQTT-3.2.2-4")]
    [Trait("Spec", "MQTT-3.2.2-5")]
    [InlineData("alice", "wrong", ConnectReturnCode.BadUsernameOrPassword)]
    [InlineData(null, null, ConnectReturnCode.BadUsernameOrPassword)]
    [InlineData("guest", "guest", ConnectReturnCode.NotAuthorized)]
    public async Task Authenticator_refusal_is_sent_in_connack_and_the_connection_is_closed(string? username, string? password, ConnectReturnCode expected)
    {
        using var broker = new TestBroker(authenticator: new TestAuthenticator());
        var client = broker.Open();

        var connAck = await client.ConnectAsync("c1", username: username, password: password);

        Assert.Equal(new ConnAckPacket(false, expected), connAck);
        Assert.True(client.IsClosed);
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    public async Task Authenticator_judges_the_client_id_credentials_and_remote_end_point()
    {
        var authenticator = new TestAuthenticator();
        using var broker = new TestBroker(authenticator: authenticator);
        var client = broker.Open();

        var connAck = await client.ConnectAsync("c1", username: "alice", password: "secret");

        Assert.Equal(new ConnAckPacket(false, ConnectReturnCode.Accepted), connAck);
        var request = Assert.Single(authenticator.Requests);
        Assert.Equal(("c1", "alice", "secret", client.Connection.RemoteEndPoint),
            (request.ClientId, request.Username, System.Text.Encoding.UTF8.GetString(request.Password!), request.RemoteEndPoint));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.4-5")]
    public async Task Packets_after_a_refused_connect_are_not_processed()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        await client.SendAsync([
            .. Encode.Connect(new ConnectPacket { ClientId = "", CleanSession = false }),
            .. Encode.Subscribe(1, [new TopicSubscription("a", QualityOfService.AtMostOnce)]),
        ]);

        client.AssertReceived(new ConnAckPacket(false, ConnectReturnCode.IdentifierRejected));
        Assert.True(client.IsClosed);
        Assert.Equal(0, broker.Broker.Subscriptions.Count);
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.0-1")]
    [InlineData("C000")] // PINGREQ
    [InlineData("3003000161")] // PUBLISH "a" at QoS 0
    [InlineData("8206000100016100")] // SUBSCRIBE "a"
    public async Task First_packet_other_than_connect_closes_the_connection(string packetHex)
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        await client.SendAsync(Convert.FromHexString(packetHex));

        Assert.True(client.IsClosed);
        client.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.0-2")]
    public async Task Second_connect_closes_the_connection()
    {
        using var broker = new TestBroker();
        var client = await broker.ConnectAsync("c1");

        await client.SendAsync(Encode.Connect(new ConnectPacket { ClientId = "c1" }));

        Assert.True(client.IsClosed);
        client.AssertReceivedNothing();
    }

    [Fact]
    public void Connection_that_never_sends_connect_is_closed_after_the_connect_timeout()
    {
        using var broker = new TestBroker(new BrokerOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });
        var client = broker.Open();

        broker.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        Assert.False(client.IsClosed);

        broker.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(client.IsClosed);
        Assert.Equal(0, broker.Broker.ConnectionCount);
    }

    [Fact]
    public async Task Connection_that_sends_only_part_of_a_connect_is_closed_after_the_connect_timeout()
    {
        using var broker = new TestBroker(new BrokerOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });
        var client = broker.Open();
        var connect = Encode.Connect(new ConnectPacket { ClientId = "c1" });

        broker.Advance(TimeSpan.FromSeconds(4));
        await client.SendAsync(connect[..^1]);
        broker.Advance(TimeSpan.FromSeconds(1));

        Assert.True(client.IsClosed);
        client.AssertReceivedNothing();
    }

    [Fact]
    public async Task Connect_timeout_does_not_apply_once_connected()
    {
        using var broker = new TestBroker(new BrokerOptions { ConnectTimeout = TimeSpan.FromSeconds(5) });
        var client = await broker.ConnectAsync("c1");

        broker.Advance(TimeSpan.FromMinutes(10));

        Assert.False(client.IsClosed);
    }
}

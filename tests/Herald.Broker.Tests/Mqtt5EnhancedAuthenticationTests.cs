using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 enhanced authentication and re-authentication with AUTH packets (sections 3.15, 4.12).</summary>
public sealed class Mqtt5EnhancedAuthenticationTests
{
    private static ConnectPacket Connect(string method, byte[]? data = null) => new()
    {
        ClientId = "c1",
        Version = ProtocolVersion.V500,
        Properties = new Properties { AuthenticationMethod = method, AuthenticationData = data },
    };

    /// <summary>Runs CONNECT, AUTH 0x18 from the server, AUTH 0x18 with the right response, and returns the CONNACK.</summary>
    private static async Task<ConnAckPacket> AuthenticateAsync(TestClient client)
    {
        await client.SendConnectAsync(Connect(ChallengeAuthenticator.Method));
        client.Take<ReasonPacket>();
        await client.AuthAsync(ReasonCode.ContinueAuthentication, ChallengeAuthenticator.Method, ChallengeAuthenticator.Response);
        return client.Take<ConnAckPacket>();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.0-1")]
    public async Task Unknown_authentication_method_gets_connack_0x8C()
    {
        using var broker = new TestBroker();
        var client = broker.Open();

        var connAck = await client.ConnectAsync(Connect("X"));

        Assert.Equal(ReasonCode.BadAuthenticationMethod, connAck.Reason);
        Assert.True(client.IsClosed);
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.0-2")]
    [Trait("Spec", "MQTT-4.12.0-5")]
    public async Task Server_challenges_with_auth_0x18_before_connack()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var client = broker.Open();

        await client.SendConnectAsync(Connect(ChallengeAuthenticator.Method, "hello"u8.ToArray()));

        var auth = Assert.IsType<ReasonPacket>(Assert.Single(client.Received()));
        Assert.Equal(PacketType.Auth, auth.Type);
        Assert.Equal(ReasonCode.ContinueAuthentication, auth.Reason);
        Assert.Equal(ChallengeAuthenticator.Method, auth.Properties?.AuthenticationMethod);
        Assert.Equal(ChallengeAuthenticator.Challenge, auth.Properties?.AuthenticationData);
        Assert.False(client.IsClosed);
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.0-3")]
    [Trait("Spec", "MQTT-4.12.0-5")]
    [Trait("Spec", "MQTT-3.2.0-1")]
    public async Task Right_response_to_the_challenge_gets_connack_0x00_with_the_method()
    {
        var authenticator = new ChallengeAuthenticator();
        using var broker = new TestBroker(authenticator: authenticator);
        var client = broker.Open();

        var connAck = await AuthenticateAsync(client);

        Assert.Equal(ReasonCode.Success, connAck.Reason);
        Assert.Equal(ChallengeAuthenticator.Method, connAck.Properties?.AuthenticationMethod);
        client.AssertReceivedNothing();
        Assert.Equal([0, 1], authenticator.Requests.Select(r => r.Step));
        Assert.Equal(ChallengeAuthenticator.Response, authenticator.Requests[1].AuthenticationData);
        Assert.True(broker.HasSession("c1"));
    }

    [Fact]
    public async Task Authenticated_client_can_publish_and_subscribe()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var client = broker.Open();
        await AuthenticateAsync(client);

        await client.SubscribeAsync("t", AtMostOnce);
        await client.PublishAsync("t", "hello", AtMostOnce);

        client.AssertReceivedMessages(new Publish("t", "hello"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.0-4")]
    public async Task Wrong_response_to_the_challenge_gets_connack_0x87()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var client = broker.Open();
        await client.SendConnectAsync(Connect(ChallengeAuthenticator.Method));
        client.Take<ReasonPacket>();

        await client.AuthAsync(ReasonCode.ContinueAuthentication, ChallengeAuthenticator.Method, "guess"u8.ToArray());

        var connAck = Assert.IsType<ConnAckPacket>(Assert.Single(client.Received()));
        Assert.Equal(ReasonCode.NotAuthorized, connAck.Reason);
        Assert.True(client.IsClosed);
        Assert.False(broker.HasSession("c1"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.0-5")]
    public async Task Auth_with_another_method_during_the_exchange_is_a_protocol_error()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var client = broker.Open();
        await client.SendConnectAsync(Connect(ChallengeAuthenticator.Method));
        client.Take<ReasonPacket>();

        await client.AuthAsync(ReasonCode.ContinueAuthentication, "OTHER", ChallengeAuthenticator.Response);

        Assert.True(client.IsClosed);
        client.AssertReceivedNothing(); // no CONNACK yet, so no DISCONNECT either [MQTT-3.14.0-1]
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.0-1")]
    public async Task Publish_before_the_exchange_ends_is_a_protocol_error()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var client = broker.Open();
        await client.SendConnectAsync(Connect(ChallengeAuthenticator.Method));
        client.Take<ReasonPacket>();

        await client.PublishAsync("t", "early", AtMostOnce);

        Assert.True(client.IsClosed);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.1-1")]
    public async Task Reauthentication_with_the_same_method_is_answered_with_auth_0x00()
    {
        var authenticator = new ChallengeAuthenticator();
        using var broker = new TestBroker(authenticator: authenticator);
        var client = broker.Open();
        await AuthenticateAsync(client);

        await client.AuthAsync(ReasonCode.ReAuthenticate, ChallengeAuthenticator.Method);
        var challenge = client.Take<ReasonPacket>();
        await client.AuthAsync(ReasonCode.ContinueAuthentication, ChallengeAuthenticator.Method, ChallengeAuthenticator.Response);
        var done = client.Take<ReasonPacket>();

        Assert.Equal((PacketType.Auth, ReasonCode.ContinueAuthentication), (challenge.Type, challenge.Reason));
        Assert.Equal(ChallengeAuthenticator.Challenge, challenge.Properties?.AuthenticationData);
        Assert.Equal((PacketType.Auth, ReasonCode.Success), (done.Type, done.Reason));
        Assert.Equal(ChallengeAuthenticator.Method, done.Properties?.AuthenticationMethod);
        Assert.False(client.IsClosed);
        Assert.All(authenticator.Requests.Skip(2), r => Assert.True(r.IsReauthentication));
        Assert.Equal([0, 1], authenticator.Requests.Skip(2).Select(r => r.Step));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.1-2")]
    public async Task Failed_reauthentication_gets_disconnect_with_the_reason()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var client = broker.Open();
        await AuthenticateAsync(client);

        await client.AuthAsync(ReasonCode.ReAuthenticate, ChallengeAuthenticator.Method);
        client.Take<ReasonPacket>();
        await client.AuthAsync(ReasonCode.ContinueAuthentication, ChallengeAuthenticator.Method, "stale"u8.ToArray());

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.NotAuthorized));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.1-1")]
    public async Task Reauthentication_with_another_method_gets_disconnect_0x82()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var client = broker.Open();
        await AuthenticateAsync(client);

        await client.AuthAsync(ReasonCode.ReAuthenticate, "OTHER");

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.0-7")]
    public async Task Auth_from_a_client_that_connected_without_a_method_gets_disconnect_0x82()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var client = await broker.Connect5Async("c1");

        await client.AuthAsync(ReasonCode.ReAuthenticate, ChallengeAuthenticator.Method);

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
        Assert.True(client.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.0-6")]
    public async Task Client_without_a_method_gets_no_auth_and_no_method_in_connack()
    {
        using var broker = new TestBroker(authenticator: new ChallengeAuthenticator());
        var client = broker.Open();

        var connAck = await client.Connect5Async("c1");

        Assert.Equal(ReasonCode.Success, connAck.Reason);
        Assert.Null(connAck.Properties?.AuthenticationMethod);
        client.AssertReceivedNothing();
    }
}

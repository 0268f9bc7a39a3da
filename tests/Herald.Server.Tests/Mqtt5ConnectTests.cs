using System.Text;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests;

/// <summary>
/// MQTT 5 CONNECT and CONNACK: assigned client ids, what the server announces, the client's
/// Maximum Packet Size, enhanced authentication with a method the server does not know.
/// </summary>
public sealed class Mqtt5ConnectTests(HeraldServer server) : IClassFixture<HeraldServer>
{
    [Fact]
    [Trait("Spec", "MQTT-3.1.3-6")]
    [Trait("Spec", "MQTT-3.2.2-16")]
    public async Task Empty_client_id_gets_an_assigned_one_that_works()
    {
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, "");

        Assert.Equal(MqttClientConnectResultCode.Success, client.ConnectResult.ResultCode);
        var assigned = client.ConnectResult.AssignedClientIdentifier;
        Assert.False(string.IsNullOrEmpty(assigned));
        var topic = Unique.Topic("assigned");
        await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        await Mqtt5Clients.PublishAsync(ClientKind.Paho, server.MqttPort, new Mqtt5Message(topic, "to an assigned id", 1));
        Assert.Equal("to an assigned id", (await client.ReceiveAsync()).Payload);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Assigned_client_id_resumes_its_session()
    {
        var topic = Unique.Topic("assigned");
        string assigned;
        // Clean Start 1 (MQTTnet insists with an empty id) starts a session that still outlives the connection.
        await using (var first = await Mqtt5Client.ConnectAsync(server.MqttPort, "", o => o.WithCleanStart(true).WithSessionExpiryInterval(300)))
        {
            assigned = first.ConnectResult.AssignedClientIdentifier;
            await first.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
            await first.DisconnectAsync();
        }
        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "kept for the assigned id", 1));

        await using var back = await Mqtt5Client.ConnectAsync(server.MqttPort, assigned, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));

        Assert.True(back.ConnectResult.IsSessionPresent);
        Assert.Equal("kept for the assigned id", (await back.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Two_empty_client_ids_get_different_assigned_ones()
    {
        await using var first = await Mqtt5Client.ConnectAsync(server.MqttPort, "");
        await using var second = await Mqtt5Client.ConnectAsync(server.MqttPort, "");

        Assert.NotEqual(first.ConnectResult.AssignedClientIdentifier, second.ConnectResult.AssignedClientIdentifier);
        Assert.True(first.Client.IsConnected);
    }

    [Fact]
    public async Task Client_id_it_chose_is_not_echoed_as_assigned()
    {
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5named"));

        Assert.True(string.IsNullOrEmpty(client.ConnectResult.AssignedClientIdentifier));
    }

    [Fact]
    public async Task Connack_announces_the_servers_capabilities_and_default_limits()
    {
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5caps"));
        var connAck = client.ConnectResult;
        var options = server.Broker.Options;

        Assert.True(connAck.SharedSubscriptionAvailable);
        Assert.True(connAck.WildcardSubscriptionAvailable);
        Assert.True(connAck.SubscriptionIdentifiersAvailable);
        Assert.True(connAck.RetainAvailable);
        // Absent Maximum QoS means 2 (section 3.2.2.3.4).
        Assert.Equal(MqttQualityOfServiceLevel.ExactlyOnce, connAck.MaximumQoS);
        Assert.Equal(100, options.ReceiveMaximum);
        Assert.Equal(10, options.TopicAliasMaximum);
        Assert.Equal((ushort)options.ReceiveMaximum, connAck.ReceiveMaximum);
        Assert.Equal((ushort)options.TopicAliasMaximum, connAck.TopicAliasMaximum);
        // The default packet limit is the protocol's own: no Maximum Packet Size is announced
        // (MQTTnet reports an absent one as 0).
        Assert.True(connAck.MaximumPacketSize is null or 0, $"Maximum Packet Size {connAck.MaximumPacketSize}");
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-25")]
    public async Task Message_larger_than_the_clients_maximum_packet_size_is_not_sent_to_it()
    {
        var topic = Unique.Topic("maxpacket");
        await using var small = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5small"), o => o.WithMaximumPacketSize(256));
        await small.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);

        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, new string('x', 1000), 1));
        await Mqtt5Clients.PublishAsync(ClientKind.Mosquitto, server.MqttPort, new Mqtt5Message(topic, "fits", 1));

        Assert.Equal("fits", (await small.ReceiveAsync()).Payload);
        Assert.True(small.Client.IsConnected);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.12.0-1")]
    public async Task Unknown_authentication_method_is_refused_with_0x8C()
    {
        // The server knows no enhanced authentication method (AnonymousAuthenticator).
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("n5scram"), o => o
            .WithEnhancedAuthentication("SCRAM-SHA-1", Encoding.UTF8.GetBytes("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL")));

        Assert.Equal(MqttClientConnectResultCode.BadAuthenticationMethod, client.ConnectResult.ResultCode);
        Assert.False(client.Client.IsConnected);
    }

    [Fact]
    public async Task Paho_v5_client_is_accepted_without_session()
    {
        await using var paho = await Mqtt5Paho.SubscribeAsync(server.MqttPort, Unique.Topic("paho5"), count: 0);

        Assert.Equal((0, false), (paho.ConnectReason, paho.SessionPresent));
        await paho.Process.ExpectSuccessAsync();
    }
}

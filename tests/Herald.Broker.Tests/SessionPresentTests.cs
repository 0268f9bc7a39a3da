using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Tests;

/// <summary>The Session Present flag of CONNACK (section 3.2.2.2).</summary>
public sealed class SessionPresentTests
{
    [Fact]
    [Trait("Spec", "MQTT-3.2.2-1")]
    public async Task Session_present_is_0_with_clean_session_even_when_a_session_was_stored()
    {
        using var broker = new TestBroker();
        var first = await broker.ConnectAsync("c1", cleanSession: false);
        await first.DisconnectAsync();

        var connAck = await broker.Open().ConnectAsync("c1", cleanSession: true);

        Assert.Equal(new ConnAckPacket(SessionPresent: false, ConnectReturnCode.Accepted), connAck);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-2")]
    public async Task Session_present_is_1_when_a_stored_session_is_resumed()
    {
        using var broker = new TestBroker();
        var first = await broker.ConnectAsync("c1", cleanSession: false);
        await first.DisconnectAsync();

        var connAck = await broker.Open().ConnectAsync("c1", cleanSession: false);

        Assert.Equal(new ConnAckPacket(SessionPresent: true, ConnectReturnCode.Accepted), connAck);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-3")]
    public async Task Session_present_is_0_when_no_session_is_stored()
    {
        using var broker = new TestBroker();

        var connAck = await broker.Open().ConnectAsync("c1", cleanSession: false);

        Assert.Equal(new ConnAckPacket(SessionPresent: false, ConnectReturnCode.Accepted), connAck);
    }

    [Fact]
    public async Task Session_present_is_0_for_mqtt31_though_the_stored_session_is_resumed()
    {
        using var broker = new TestBroker();
        var first = broker.Open();
        await first.ConnectAsync("c1", cleanSession: false, version: ProtocolVersion.V310);
        await first.SubscribeAsync("t", QualityOfService.AtLeastOnce);
        await first.DisconnectAsync();

        var second = broker.Open();
        var connAck = await second.ConnectAsync("c1", cleanSession: false, version: ProtocolVersion.V310);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "resumed", QualityOfService.AtLeastOnce);

        Assert.Equal(new ConnAckPacket(SessionPresent: false, ConnectReturnCode.Accepted), connAck);
        second.AssertReceived(new Publish("t", "resumed", QualityOfService.AtLeastOnce, PacketId: 1));
    }
}

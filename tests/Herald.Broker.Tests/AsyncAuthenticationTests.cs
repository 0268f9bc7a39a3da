using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>CONNECT while the authenticator has not answered yet: the one asynchronous step of the engine.</summary>
public sealed class AsyncAuthenticationTests
{
    [Fact]
    public async Task Packets_after_connect_wait_for_the_verdict()
    {
        var authenticator = new PendingAuthenticator();
        using var broker = new TestBroker(authenticator: authenticator);
        var client = broker.Open();

        var receiving = client.SendAsync([
            .. Encode.Connect(new ConnectPacket { ClientId = "c1" }),
            .. Encode.Subscribe(1, [new TopicSubscription("t", AtLeastOnce)]),
        ]);
        Assert.False(receiving.IsCompleted);
        client.AssertReceivedNothing();

        authenticator.Complete(ReasonCode.Success);
        await receiving;

        client.AssertReceived(new ConnAckPacket(false, ConnectReturnCode.Accepted), new SubAck(1, 1));
    }

    [Fact]
    public async Task Connection_that_times_out_while_authenticating_gets_no_session()
    {
        var authenticator = new PendingAuthenticator();
        using var broker = new TestBroker(new BrokerOptions { ConnectTimeout = TimeSpan.FromSeconds(5) }, authenticator);
        var client = broker.Open();
        var receiving = client.SendAsync(Encode.Connect(new ConnectPacket { ClientId = "c1", CleanSession = false }));

        broker.Advance(TimeSpan.FromSeconds(5));
        Assert.True(client.IsClosed);
        Assert.True(authenticator.Cancelled);
        authenticator.Complete(ReasonCode.Success);
        await receiving;

        client.AssertReceivedNothing();
        Assert.False(broker.HasSession("c1"));
        Assert.Equal(0, broker.Broker.ConnectionCount);
    }
}

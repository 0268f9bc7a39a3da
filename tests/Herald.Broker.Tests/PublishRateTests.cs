using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>The per-connection publish rate quota (Herald:Mqtt:MaxPublishRate): a token bucket with a one-second burst.</summary>
public sealed class PublishRateTests
{
    [Fact]
    public async Task Mqtt5_client_publishing_past_the_rate_gets_disconnect_0x96()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxPublishRate = 3 });
        var client = await broker.Connect5Async("fast");

        for (var i = 0; i < 3; i++)
            await client.PublishAsync("t", $"m{i}", AtMostOnce);
        Assert.False(client.IsClosed);

        await client.PublishAsync("t", "one too many", AtMostOnce);

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.MessageRateTooHigh));
        Assert.True(client.IsClosed);
    }

    [Fact]
    public async Task Mqtt311_client_publishing_past_the_rate_is_closed_and_its_message_not_routed()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxPublishRate = 2 });
        var subscriber = await broker.ConnectSubscriberAsync("sub", "t", AtMostOnce);
        var client = await broker.ConnectAsync("fast");

        for (var i = 0; i < 3; i++)
            await client.PublishAsync("t", $"m{i}", AtMostOnce);

        Assert.True(client.IsClosed);
        client.AssertReceivedNothing();
        subscriber.AssertReceived(new Publish("t", "m0", AtMostOnce), new Publish("t", "m1", AtMostOnce));
    }

    [Fact]
    public async Task Quota_refills_with_time()
    {
        using var broker = new TestBroker(new BrokerOptions { MaxPublishRate = 2 });
        var client = await broker.Connect5Async("steady");

        for (var second = 0; second < 5; second++)
        {
            await client.PublishAsync("t", "a", AtMostOnce);
            await client.PublishAsync("t", "b", AtMostOnce);
            broker.Time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.False(client.IsClosed);
    }
}

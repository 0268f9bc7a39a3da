using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 shared subscriptions <c>$share/{ShareName}/{filter}</c> (section 4.8.2).</summary>
public sealed class Mqtt5SharedSubscriptionTests
{
    private const string Shared = "$share/workers/jobs";

    private static async Task<TestClient[]> MembersAsync(TestBroker broker, int count, QualityOfService qos = AtLeastOnce)
    {
        var members = new TestClient[count];
        for (var i = 0; i < count; i++)
            members[i] = await broker.ConnectSubscriber5Async($"worker{i + 1}", Shared, qos);
        return members;
    }

    [Fact]
    public async Task Messages_are_distributed_among_the_members_one_each()
    {
        using var broker = new TestBroker();
        var members = await MembersAsync(broker, 3);
        var publisher = await broker.Connect5Async("pub");

        for (var i = 1; i <= 3; i++)
            await publisher.PublishAsync("jobs", $"job{i}", AtLeastOnce);

        var received = members.Select(m => m.ReceivedPublishes().Select(p => p.Payload).ToArray()).ToArray();
        Assert.All(received, payloads => Assert.Single(payloads));
        Assert.Equal(["job1", "job2", "job3"], received.SelectMany(p => p).Order());
    }

    [Fact]
    public async Task Distribution_keeps_turning_round_the_members()
    {
        using var broker = new TestBroker();
        var members = await MembersAsync(broker, 3, AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        for (var i = 1; i <= 9; i++)
            await publisher.PublishAsync("jobs", $"job{i}", AtMostOnce);

        Assert.All(members, m => Assert.Equal(3, m.ReceivedPublishes().Length));
    }

    [Fact]
    public async Task Ordinary_subscriber_of_the_same_topic_gets_every_message()
    {
        using var broker = new TestBroker();
        var members = await MembersAsync(broker, 3);
        var monitor = await broker.ConnectSubscriber5Async("monitor", "jobs", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        for (var i = 1; i <= 3; i++)
            await publisher.PublishAsync("jobs", $"job{i}", AtLeastOnce);

        monitor.AssertReceivedMessages(new Publish("jobs", "job1"), new Publish("jobs", "job2"), new Publish("jobs", "job3"));
        Assert.Equal(3, members.Sum(m => m.ReceivedPublishes().Length));
    }

    [Fact]
    public async Task Two_share_names_each_get_every_message()
    {
        using var broker = new TestBroker();
        var first = await broker.ConnectSubscriber5Async("first", "$share/a/jobs", AtMostOnce);
        var second = await broker.ConnectSubscriber5Async("second", "$share/b/jobs", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("jobs", "job", AtMostOnce);

        first.AssertReceivedMessages(new Publish("jobs", "job"));
        second.AssertReceivedMessages(new Publish("jobs", "job"));
    }

    [Fact]
    public async Task Shared_subscription_gets_no_retained_messages()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("jobs", "retained", AtMostOnce, retain: true);
        var member = await broker.Connect5Async("worker");

        var subAck = await member.SubscribeAsync(Shared, AtLeastOnce);

        Assert.Equal([(byte)AtLeastOnce], subAck.ReturnCodes);
        member.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.8.2-3")]
    public async Task Member_gets_messages_at_no_more_than_its_granted_qos()
    {
        using var broker = new TestBroker();
        var member = await broker.ConnectSubscriber5Async("worker", Shared, AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("jobs", "job", ExactlyOnce);

        member.AssertReceivedMessages(new Publish("jobs", "job", AtMostOnce));
    }

    [Fact]
    public async Task Unacknowledged_qos1_messages_of_a_member_whose_session_ends_go_to_another_member()
    {
        using var broker = new TestBroker();
        var members = await MembersAsync(broker, 3);
        var publisher = await broker.Connect5Async("pub");
        for (var i = 1; i <= 3; i++)
            await publisher.PublishAsync("jobs", $"job{i}", AtLeastOnce);
        var lost = Assert.Single(members[0].ReceivedPublishes()).Payload;
        var others = members[1..];
        foreach (var other in others)
            await other.PubAckAsync(Assert.Single(other.ReceivedPublishes()).PacketId);

        members[0].LoseConnection(); // session expiry 0: the session ends with the connection

        var redelivered = others.SelectMany(m => m.ReceivedPublishes()).ToArray();
        Assert.Equal(lost, Assert.Single(redelivered).Payload);
        Assert.False(broker.HasSession("worker1"));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.8.2-5")]
    public async Task Qos2_message_in_flight_to_a_member_whose_session_ends_is_not_sent_to_another_member()
    {
        using var broker = new TestBroker();
        var members = await MembersAsync(broker, 2, ExactlyOnce);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("jobs", "exactly once", ExactlyOnce);
        var chosen = Array.FindIndex(members, m => m.ReceivedPublishes().Length == 1);
        Assert.True(chosen >= 0, "no member received the message");

        members[chosen].LoseConnection(); // PUBLISH sent, no PUBREC: the delivery had started

        members[1 - chosen].AssertReceivedNothing();
    }

    [Fact]
    public async Task Offline_member_is_skipped_while_another_is_online()
    {
        using var broker = new TestBroker();
        var away = await broker.Connect5Async("away", new Properties { SessionExpiryInterval = 60 });
        await away.SubscribeAsync(Shared, AtLeastOnce);
        away.LoseConnection();
        var online = await broker.ConnectSubscriber5Async("online", Shared, AtLeastOnce);
        var publisher = await broker.Connect5Async("pub");

        for (var i = 1; i <= 4; i++)
            await publisher.PublishAsync("jobs", $"job{i}", AtLeastOnce);

        Assert.Equal(4, online.ReceivedPublishes().Length);
        Assert.Equal(0, broker.SessionOf("away").QueuedCount);
    }

    [Theory]
    [Trait("Spec", "MQTT-4.8.2-1")]
    [Trait("Spec", "MQTT-4.8.2-2")]
    [InlineData("$share//jobs")] // empty share name
    [InlineData("$share/workers")] // no filter after the share name
    [InlineData("$share/workers/")] // empty filter after the share name
    [InlineData("$share/+/jobs")] // wildcard in the share name
    [InlineData("$share/#")] // wildcard as the share name
    public async Task Invalid_share_name_gets_suback_0x8F(string filter)
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1");

        var subAck = await client.SubscribeAsync(new TopicSubscription(filter, AtLeastOnce), new TopicSubscription("jobs", AtLeastOnce));

        Assert.Equal([(byte)ReasonCode.TopicFilterInvalid, (byte)AtLeastOnce], subAck.ReturnCodes);
        Assert.False(client.IsClosed);
        Assert.Equal(1, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.3-4")]
    [Trait("Spec", "MQTT-4.13.1-1")]
    public async Task No_local_on_a_shared_subscription_gets_disconnect_0x82()
    {
        using var broker = new TestBroker();
        var client = await broker.Connect5Async("c1");

        await client.SendAsync(Encode.Subscribe(1, [new TopicSubscription(Shared, AtLeastOnce) { NoLocal = true }], ProtocolVersion.V500));

        client.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
        Assert.True(client.IsClosed);
        Assert.Equal(0, broker.Broker.Subscriptions.Count);
    }

    [Fact]
    public async Task Member_that_unsubscribes_gets_no_more_messages()
    {
        using var broker = new TestBroker();
        var members = await MembersAsync(broker, 2, AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        var unsubAck = await members[0].UnsubscribeAsync(Shared);
        for (var i = 1; i <= 4; i++)
            await publisher.PublishAsync("jobs", $"job{i}", AtMostOnce);

        Assert.Equal([(byte)ReasonCode.Success], unsubAck.ReasonCodes);
        members[0].AssertReceivedNothing();
        Assert.Equal(4, members[1].ReceivedPublishes().Length);
    }

    [Fact]
    public async Task Shared_subscription_carries_its_subscription_identifier()
    {
        using var broker = new TestBroker();
        var member = await broker.Connect5Async("worker");
        await member.SubscribeAsync(11, new TopicSubscription(Shared, AtMostOnce));
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("jobs", "job", AtMostOnce);

        Assert.Equal([11], Assert.Single(member.ReceivedPublishes()).SubscriptionIds);
    }
}

using System.Buffers;
using System.Text;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>MQTT 5 Topic Alias (section 3.3.2.3.4): aliases clients set, and aliases the server sets when allowed.</summary>
public sealed class Mqtt5TopicAliasTests
{
    private static PublishPacket Aliased(string topic, ushort alias, string payload) => new()
    {
        Topic = topic,
        Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)),
        Properties = new Properties { TopicAlias = alias },
    };

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-12")]
    public async Task Alias_sent_with_a_topic_sets_it_and_an_alias_alone_stands_for_that_topic()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "sensors/#", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Aliased("sensors/temperature", 1, "21"));
        await publisher.PublishAsync(Aliased("", 1, "22"));

        subscriber.AssertReceivedMessages(
            new Publish("sensors/temperature", "21"),
            new Publish("sensors/temperature", "22"));
        Assert.False(publisher.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-12")]
    public async Task Alias_can_be_set_again_to_another_topic()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "#", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Aliased("a", 3, "1"));
        await publisher.PublishAsync(Aliased("b", 3, "2"));
        await publisher.PublishAsync(Aliased("", 3, "3"));

        subscriber.AssertReceivedMessages(new Publish("a", "1"), new Publish("b", "2"), new Publish("b", "3"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-12")]
    public async Task Alias_equal_to_the_topic_alias_maximum_is_accepted()
    {
        using var broker = new TestBroker(new BrokerOptions { TopicAliasMaximum = 4 });
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Aliased("t", 4, "x"));

        subscriber.AssertReceivedMessages(new Publish("t", "x"));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-9")]
    public async Task Alias_above_the_topic_alias_maximum_gets_disconnect_0x94()
    {
        using var broker = new TestBroker(new BrokerOptions { TopicAliasMaximum = 4 });
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Aliased("t", 5, "x"));

        publisher.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.TopicAliasInvalid));
        Assert.True(publisher.IsClosed);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-3.2.2-18")]
    public async Task Any_alias_gets_disconnect_0x94_when_the_server_allows_none()
    {
        using var broker = new TestBroker(new BrokerOptions { TopicAliasMaximum = 0 });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Aliased("t", 1, "x"));

        publisher.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.TopicAliasInvalid));
        Assert.True(publisher.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.13.1-1")]
    public async Task Alias_alone_that_was_never_set_gets_disconnect_0x82()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "#", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Aliased("", 2, "x"));

        publisher.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
        Assert.True(publisher.IsClosed);
        subscriber.AssertReceivedNothing();
    }

    [Fact]
    [Trait("Spec", "MQTT-4.13.1-1")]
    public async Task Empty_topic_without_an_alias_gets_disconnect_0x82()
    {
        using var broker = new TestBroker();
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(new PublishPacket { Topic = "", Payload = new ReadOnlySequence<byte>("x"u8.ToArray()) });

        publisher.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
        Assert.True(publisher.IsClosed);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-7")]
    public async Task Aliases_are_not_carried_to_the_next_connection()
    {
        using var broker = new TestBroker();
        var subscriber = await broker.ConnectSubscriber5Async("sub", "#", AtMostOnce);
        var first = await broker.Connect5Async("pub", new Properties { SessionExpiryInterval = 60 });
        await first.PublishAsync(Aliased("t", 1, "1"));
        first.LoseConnection();
        var second = await broker.Connect5Async("pub", new Properties { SessionExpiryInterval = 60 }, cleanStart: false);

        await second.PublishAsync(Aliased("", 1, "2"));

        subscriber.AssertReceivedMessages(new Publish("t", "1"));
        second.AssertReceived(new ReasonPacket(PacketType.Disconnect, ReasonCode.ProtocolError));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-26")]
    [Trait("Spec", "MQTT-3.3.2-11")]
    public async Task Server_sends_topic_and_alias_first_then_the_alias_alone()
    {
        using var broker = new TestBroker(new BrokerOptions { OutboundTopicAliases = true });
        var subscriber = await broker.ConnectSubscriber5Async("sub", "#", AtMostOnce, new Properties { TopicAliasMaximum = 5 });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("sensors/temperature", "21", AtMostOnce);
        await publisher.PublishAsync("sensors/temperature", "22", AtMostOnce);
        await publisher.PublishAsync("sensors/humidity", "40", AtMostOnce);
        await publisher.PublishAsync("sensors/humidity", "41", AtMostOnce);

        (string Topic, ushort? Alias, string Payload)[] expected =
            [("sensors/temperature", 1, "21"), ("", 1, "22"), ("sensors/humidity", 2, "40"), ("", 2, "41")];
        Assert.Equal(expected, subscriber.ReceivedPublishes().Select(p => (p.Topic, p.TopicAlias, p.Payload)));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-26")]
    [Trait("Spec", "MQTT-3.3.2-11")]
    public async Task Server_sets_no_more_aliases_than_the_clients_topic_alias_maximum()
    {
        using var broker = new TestBroker(new BrokerOptions { OutboundTopicAliases = true });
        var subscriber = await broker.ConnectSubscriber5Async("sub", "#", AtMostOnce, new Properties { TopicAliasMaximum = 1 });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("a", "1", AtMostOnce);
        await publisher.PublishAsync("b", "2", AtMostOnce);
        await publisher.PublishAsync("b", "3", AtMostOnce);
        await publisher.PublishAsync("a", "4", AtMostOnce);

        (string Topic, ushort? Alias)[] expected = [("a", 1), ("b", null), ("b", null), ("", 1)];
        Assert.Equal(expected, subscriber.ReceivedPublishes().Select(p => (p.Topic, p.TopicAlias)));
    }

    [Fact]
    public async Task Server_sends_no_alias_when_outbound_aliases_are_off()
    {
        using var broker = new TestBroker(new BrokerOptions { OutboundTopicAliases = false });
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce, new Properties { TopicAliasMaximum = 5 });
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "1", AtMostOnce);
        await publisher.PublishAsync("t", "2", AtMostOnce);

        Assert.All(subscriber.ReceivedPublishes(), p =>
        {
            Assert.Equal("t", p.Topic);
            Assert.Null(p.TopicAlias);
        });
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-27")]
    public async Task Server_sends_no_alias_to_a_client_that_allows_none()
    {
        using var broker = new TestBroker(new BrokerOptions { OutboundTopicAliases = true });
        var subscriber = await broker.ConnectSubscriber5Async("sub", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync("t", "1", AtMostOnce);
        await publisher.PublishAsync("t", "2", AtMostOnce);

        var received = subscriber.ReceivedPublishes();
        Assert.Equal(2, received.Length);
        Assert.All(received, p => Assert.Null(p.TopicAlias));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-7")]
    public async Task Server_aliases_start_afresh_on_a_new_connection()
    {
        using var broker = new TestBroker(new BrokerOptions { OutboundTopicAliases = true });
        var aliases = new Properties { TopicAliasMaximum = 5, SessionExpiryInterval = 60 };
        var first = await broker.Connect5Async("sub", aliases);
        await first.SubscribeAsync("t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");
        await publisher.PublishAsync("t", "1", AtMostOnce);
        Assert.Equal(("t", (ushort?)1), first.ReceivedPublishes().Select(p => (p.Topic, p.TopicAlias)).Single());
        first.LoseConnection();

        var second = await broker.Connect5Async("sub", aliases, cleanStart: false);
        await publisher.PublishAsync("t", "2", AtMostOnce);

        Assert.Equal(("t", (ushort?)1), second.ReceivedPublishes().Select(p => (p.Topic, p.TopicAlias)).Single());
    }

    [Fact]
    public async Task Mqtt311_subscriber_gets_the_full_topic_of_an_aliased_message()
    {
        using var broker = new TestBroker(new BrokerOptions { OutboundTopicAliases = true });
        var classic = await broker.ConnectSubscriberAsync("classic", "t", AtMostOnce);
        var publisher = await broker.Connect5Async("pub");

        await publisher.PublishAsync(Aliased("t", 1, "1"));
        await publisher.PublishAsync(Aliased("", 1, "2"));

        classic.AssertReceived(new Publish("t", "1"), new Publish("t", "2"));
    }
}

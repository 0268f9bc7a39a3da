using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.DurableStores;

/// <summary>A persistent session's messages: queued, in flight, acknowledged.</summary>
public abstract partial class DurableStoreContract
{
    /// <summary>A message with every MQTT 5 property a message keeps.</summary>
    private Message MessageWithEveryProperty(string topic) => NewMessage(topic, "payload"u8, ExactlyOnce, retain: true, new Properties
    {
        PayloadFormatIndicator = 1,
        MessageExpiryInterval = 600,
        ContentType = "application/json",
        ResponseTopic = "replies/7",
        CorrelationData = [0, 1, 2, 255],
        UserProperties = [new("a", "1"), new("a", "2"), new("empty", "")], // order and repeats kept [MQTT-3.3.2-18]
    }, origin: "publisher");

    [Fact]
    public async Task Queued_delivery_comes_back_with_its_message_and_subscription_ids()
    {
        var clientId = await ClientAsync();
        var message = MessageWithEveryProperty("a/1");
        Store.SaveSession(clientId, 300, null);

        Store.AddDelivery(clientId, new QueuedMessage(message, AtLeastOnce, Retain: true, [3, 17], Sequence: 1), 0, default);

        var delivery = Assert.Single(SessionOf(await RestartAsync(), clientId).Deliveries);
        Assert.Equal((1L, (ushort)0, AtLeastOnce, true, (string?)null), (delivery.Sequence, delivery.PacketId, delivery.QoS, delivery.Retain, delivery.SharedFilter));
        Assert.Equal([3, 17], delivery.SubscriptionIds!);
        AssertSameMessage(message, delivery.Message);
        var properties = delivery.Message.Properties!;
        Assert.Equal(((byte?)1, "application/json", "replies/7"), (properties.PayloadFormatIndicator, properties.ContentType, properties.ResponseTopic));
        Assert.Equal([0, 1, 2, 255], properties.CorrelationData!);
        Assert.Equal([new("a", "1"), new("a", "2"), new("empty", "")], properties.UserProperties!);
    }

    [Fact]
    public async Task Delivery_through_a_shared_subscription_comes_back_with_its_shared_filter()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);

        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("jobs/1", "x"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, null, new SharedGroup("g", "jobs/+"), Sequence: 1), 0, default);

        var delivery = Assert.Single(SessionOf(await RestartAsync(), clientId).Deliveries);
        Assert.Equal("$share/g/jobs/+", delivery.SharedFilter);
        Assert.Null(delivery.SubscriptionIds);
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Delivery_sent_at_once_comes_back_in_flight_with_its_packet_id_and_state()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);

        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/1", "one"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 1), 5, InflightState.AwaitingPubAck);
        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/2", "two"u8, ExactlyOnce, retain: false), ExactlyOnce, Retain: false, Sequence: 2), ushort.MaxValue, InflightState.AwaitingPubRec);

        var deliveries = SessionOf(await RestartAsync(), clientId).Deliveries;
        Assert.Equal(
            [(1L, (ushort)5, InflightState.AwaitingPubAck, AtLeastOnce, "one"), (2L, ushort.MaxValue, InflightState.AwaitingPubRec, ExactlyOnce, "two")],
            deliveries.Select(d => (d.Sequence, d.PacketId, d.State, d.QoS, Text(d.Message.Payload))));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Delivery_state_saved_after_it_was_sent_comes_back()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/1", "queued, then sent"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 1), 0, default);
        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/2", "sent, then PUBREC"u8, ExactlyOnce, retain: false), ExactlyOnce, Retain: false, Sequence: 2), 9, InflightState.AwaitingPubRec);
        await DurableAsync();

        Store.SaveDeliveryState(clientId, 1, 7, InflightState.AwaitingPubAck);
        Store.SaveDeliveryState(clientId, 2, 9, InflightState.AwaitingPubComp);

        var deliveries = SessionOf(await RestartAsync(), clientId).Deliveries;
        Assert.Equal([(1L, (ushort)7, InflightState.AwaitingPubAck), (2L, (ushort)9, InflightState.AwaitingPubComp)], deliveries.Select(d => (d.Sequence, d.PacketId, d.State)));
    }

    [Fact]
    public async Task Deliveries_come_back_in_sequence_order()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);

        // Neither the order recorded nor the order of their digits ("10" before "2").
        foreach (var (sequence, packetId) in new[] { (10L, (ushort)0), (2L, (ushort)3), (33L, (ushort)0), (1L, (ushort)4) })
        {
            var message = NewMessage($"a/{sequence}", "x"u8, AtLeastOnce, retain: false);
            Store.AddDelivery(clientId, new QueuedMessage(message, AtLeastOnce, Retain: false, Sequence: sequence), packetId, InflightState.AwaitingPubAck);
        }

        var deliveries = SessionOf(await RestartAsync(), clientId).Deliveries;
        Assert.Equal([(1L, "a/1"), (2L, "a/2"), (10L, "a/10"), (33L, "a/33")], deliveries.Select(d => (d.Sequence, d.Message.Topic)));
    }

    [Fact]
    public async Task Removed_delivery_does_not_come_back()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        var messages = new Message[4];
        for (var i = 1; i <= 3; i++)
        {
            messages[i] = NewMessage($"a/{i}", "x"u8, AtLeastOnce, retain: false);
            Store.AddDelivery(clientId, new QueuedMessage(messages[i], AtLeastOnce, Retain: false, Sequence: i), i == 2 ? (ushort)8 : (ushort)0, InflightState.AwaitingPubAck);
        }
        await DurableAsync();

        Store.RemoveDelivery(clientId, 2, messages[2]); // its PUBACK came
        Store.RemoveDelivery(clientId, 3, messages[3]); // expired while queued

        var delivery = Assert.Single(SessionOf(await RestartAsync(), clientId).Deliveries);
        Assert.Equal((1L, "a/1"), (delivery.Sequence, delivery.Message.Topic));
    }

    [Fact]
    public async Task Delivery_loaded_after_a_restart_can_be_sent_and_removed()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/1", "acknowledged"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 1), 4, InflightState.AwaitingPubAck);
        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/2", "sent"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 2), 0, default);
        var loaded = SessionOf(await RestartAsync(), clientId).Deliveries;

        // As the restored session does, with the messages Load gave it.
        Store.RemoveDelivery(clientId, 1, loaded[0].Message);
        Store.SaveDeliveryState(clientId, 2, 5, InflightState.AwaitingPubAck);

        var delivery = Assert.Single(SessionOf(await RestartAsync(), clientId).Deliveries);
        Assert.Equal((2L, (ushort)5, "sent"), (delivery.Sequence, delivery.PacketId, Text(delivery.Message.Payload)));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public async Task Message_expiry_of_a_delivery_counts_from_when_the_message_was_received()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        var message = MessageWithEveryProperty("a/1"); // 600 s to live from now
        Time.Advance(TimeSpan.FromSeconds(100));

        Store.AddDelivery(clientId, new QueuedMessage(message, AtLeastOnce, Retain: false, Sequence: 1), 0, default);
        var loaded = Assert.Single(SessionOf(await RestartAsync(), clientId).Deliveries).Message;

        Assert.Equal(600u, loaded.ExpiryInterval);
        Assert.Equal(500u, loaded.RemainingExpiry(Time));
        Time.Advance(TimeSpan.FromSeconds(50));
        Assert.Equal(450u, loaded.RemainingExpiry(Time));
    }

    [Fact]
    public async Task Message_delivered_to_two_sessions_stays_with_one_when_the_other_lets_it_go()
    {
        var removes = await ClientAsync();
        var deleted = await ClientAsync();
        var keeps = await ClientAsync();
        var message = MessageWithEveryProperty("a/1"); // one message object, as routing shares it
        foreach (var clientId in new[] { removes, deleted, keeps })
        {
            Store.SaveSession(clientId, 300, null);
            Store.AddDelivery(clientId, new QueuedMessage(message, AtLeastOnce, Retain: false, Sequence: 1), 0, default);
        }
        await DurableAsync();

        Store.RemoveDelivery(removes, 1, message);
        Store.DeleteSession(deleted);
        var state = await RestartAsync();

        Assert.Empty(SessionOf(state, removes).Deliveries);
        Assert.False(HasSession(state, deleted));
        AssertSameMessage(message, Assert.Single(SessionOf(state, keeps).Deliveries).Message);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    public async Task Delivery_of_a_message_with_an_empty_payload_comes_back_empty()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);

        // A retained message cleared with a QoS 1 PUBLISH still goes to current subscribers.
        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a/1", [], AtLeastOnce, retain: true), AtLeastOnce, Retain: false, Sequence: 1), 0, default);

        var delivery = Assert.Single(SessionOf(await RestartAsync(), clientId).Deliveries);
        Assert.Equal(("a/1", 0), (delivery.Message.Topic, delivery.Message.Payload.Length));
    }
}

using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Server.Tests.Fixtures;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.DurableStores;

/// <summary>Retained messages: set, replaced, cleared and removed once expired.</summary>
public abstract partial class DurableStoreContract
{
    [Fact]
    [Trait("Spec", "MQTT-3.3.1-5")]
    public async Task Retained_message_comes_back_with_its_properties_and_expiry_counting_from_when_it_was_received()
    {
        var topic = Unique.Topic("retained");
        var message = MessageWithEveryProperty(topic);

        Store.SetRetained(message);
        Time.Advance(TimeSpan.FromSeconds(100));
        var loaded = Assert.Single(RetainedOn(await RestartAsync(), topic));

        AssertSameMessage(message, loaded);
        Assert.Equal(500u, loaded.RemainingExpiry(Time));
        Assert.Equal([new("a", "1"), new("a", "2"), new("empty", "")], loaded.Properties!.UserProperties!);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-5")]
    public async Task Retained_message_replaced_on_its_topic_comes_back_as_the_latest()
    {
        var replacedEarlier = Unique.Topic("retained");
        var replacedInTheSameCommit = Unique.Topic("retained");
        Store.SetRetained(NewMessage(replacedEarlier, "v1"u8, AtLeastOnce, retain: true));
        Store.SetRetained(NewMessage(replacedInTheSameCommit, "v1"u8, AtLeastOnce, retain: true));
        Store.SetRetained(NewMessage(replacedInTheSameCommit, "v2"u8, AtMostOnce, retain: true));
        await DurableAsync();

        Store.SetRetained(NewMessage(replacedEarlier, "v2"u8, AtMostOnce, retain: true));
        var state = await RestartAsync();

        foreach (var topic in new[] { replacedEarlier, replacedInTheSameCommit })
        {
            var loaded = Assert.Single(RetainedOn(state, topic));
            Assert.Equal(("v2", AtMostOnce), (Text(loaded.Payload), loaded.QoS));
        }
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.1-10")]
    public async Task Retained_message_is_cleared_by_an_empty_payload()
    {
        var clearedLater = Unique.Topic("retained");
        var clearedInTheSameCommit = Unique.Topic("retained");
        var neverSet = Unique.Topic("retained");
        Store.SetRetained(NewMessage(clearedLater, "v1"u8, AtLeastOnce, retain: true));
        Store.SetRetained(NewMessage(clearedInTheSameCommit, "v1"u8, AtLeastOnce, retain: true));
        Store.SetRetained(NewMessage(clearedInTheSameCommit, [], AtLeastOnce, retain: true));
        await DurableAsync();

        Store.SetRetained(NewMessage(clearedLater, [], AtMostOnce, retain: true));
        Store.SetRetained(NewMessage(neverSet, [], AtMostOnce, retain: true));
        var state = await RestartAsync();

        Assert.Empty(RetainedOn(state, clearedLater));
        Assert.Empty(RetainedOn(state, clearedInTheSameCommit));
        Assert.Empty(RetainedOn(state, neverSet));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Expired_retained_message_removed_does_not_come_back()
    {
        var topic = Unique.Topic("retained");
        var message = NewMessage(topic, "v1"u8, AtLeastOnce, retain: true, new Properties { MessageExpiryInterval = 10 });
        Store.SetRetained(message);
        await DurableAsync();

        Time.Advance(TimeSpan.FromSeconds(11));
        Store.RemoveRetained(message); // as the engine's purge does once it expired

        Assert.Empty(RetainedOn(await RestartAsync(), topic));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-5")]
    public async Task Expired_retained_message_loaded_after_a_restart_is_removed_with_the_message_load_gave()
    {
        var topic = Unique.Topic("retained");
        Store.SetRetained(NewMessage(topic, "v1"u8, AtLeastOnce, retain: true, new Properties { MessageExpiryInterval = 10 }));
        var loaded = Assert.Single(RetainedOn(await RestartAsync(), topic));

        Time.Advance(TimeSpan.FromSeconds(11));
        Store.RemoveRetained(loaded);

        Assert.Empty(RetainedOn(await RestartAsync(), topic));
    }

    /// <summary>
    /// <see cref="Herald.Broker.Persistence.IDurableStore.RemoveRetained"/>: "deletes this retained
    /// message (it expired) unless another has replaced it since".
    /// </summary>
    [Fact]
    public async Task Expired_retained_message_removed_after_it_was_replaced_leaves_the_replacement()
    {
        var topic = Unique.Topic("retained");
        var expired = NewMessage(topic, "old"u8, AtLeastOnce, retain: true, new Properties { MessageExpiryInterval = 10 });
        Store.SetRetained(expired);
        Store.SetRetained(NewMessage(topic, "new"u8, AtLeastOnce, retain: true));
        await DurableAsync();

        Time.Advance(TimeSpan.FromSeconds(11));
        Store.RemoveRetained(expired);

        Assert.Equal(["new"], RetainedOn(await RestartAsync(), topic).Select(m => Text(m.Payload)));
    }

    /// <summary>
    /// The same sentence, when the replacement has expired too by the time the first is removed:
    /// it is still another message than the one removed.
    /// </summary>
    [Fact]
    public async Task Expired_retained_message_removed_after_it_was_replaced_leaves_the_replacement_even_if_that_expired_too()
    {
        var topic = Unique.Topic("retained");
        var expired = NewMessage(topic, "old"u8, AtLeastOnce, retain: true, new Properties { MessageExpiryInterval = 10 });
        Store.SetRetained(expired);
        Store.SetRetained(NewMessage(topic, "new"u8, AtLeastOnce, retain: true, new Properties { MessageExpiryInterval = 5 }));
        await DurableAsync();

        Time.Advance(TimeSpan.FromSeconds(11));
        Store.RemoveRetained(expired);

        Assert.Equal(["new"], RetainedOn(await RestartAsync(), topic).Select(m => Text(m.Payload)));
    }

    [Fact]
    public async Task Retained_message_stays_when_the_last_delivery_of_the_same_message_is_removed()
    {
        var clientId = await ClientAsync();
        var topic = Unique.Topic("retained");
        var message = NewMessage(topic, "v1"u8, AtLeastOnce, retain: true); // retained and routed: one object
        Store.SaveSession(clientId, 300, null);
        Store.SetRetained(message);
        Store.AddDelivery(clientId, new QueuedMessage(message, AtLeastOnce, Retain: false, Sequence: 1), 0, default);
        await DurableAsync();

        Store.RemoveDelivery(clientId, 1, message);
        var state = await RestartAsync();

        Assert.Empty(SessionOf(state, clientId).Deliveries);
        Assert.Equal(["v1"], RetainedOn(state, topic).Select(m => Text(m.Payload)));
    }
}

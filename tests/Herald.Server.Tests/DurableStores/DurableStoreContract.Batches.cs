using Herald.Broker.Messages;
using Herald.Broker.Sessions;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.DurableStores;

/// <summary>
/// Many changes in one commit, as a loaded server records them: a store may write them in bulk
/// (SQLite inserts new deliveries many rows per statement), and a change to a delivery recorded in
/// the same commit as the delivery must still apply to it. An atomic group puts every change
/// between its begin and end into one commit.
/// </summary>
public abstract partial class DurableStoreContract
{
    /// <summary>Sizes around SQLite's 32 rows per INSERT: under, at, over, and over twice.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(70)]
    public async Task Deliveries_recorded_in_one_commit_all_come_back_whatever_their_number(int count)
    {
        var first = await ClientAsync();
        var second = await ClientAsync();
        Store.SaveSession(first, 300, null);
        Store.SaveSession(second, 300, null);
        await DurableAsync();

        Store.BeginAtomic();
        for (var i = 1; i <= count; i++)
        {
            var message = NewMessage($"a/{i}", System.Text.Encoding.UTF8.GetBytes($"payload {i}"), AtLeastOnce, retain: false);
            Store.AddDelivery(first, new QueuedMessage(message, AtLeastOnce, Retain: false, Sequence: i), 0, default);
            if (i % 3 == 0) // every third message is routed to both sessions
                Store.AddDelivery(second, new QueuedMessage(message, AtLeastOnce, Retain: false, Sequence: i), (ushort)i, InflightState.AwaitingPubAck);
        }
        Store.EndAtomic();
        var state = await RestartAsync();

        var expected = Enumerable.Range(1, count).Select(i => ((long)i, $"a/{i}", $"payload {i}"));
        Assert.Equal(expected, SessionOf(state, first).Deliveries.Select(d => (d.Sequence, d.Message.Topic, Text(d.Message.Payload))));
        Assert.Equal(
            Enumerable.Range(1, count).Where(i => i % 3 == 0).Select(i => ((long)i, (ushort)i, $"payload {i}")),
            SessionOf(state, second).Deliveries.Select(d => (d.Sequence, d.PacketId, Text(d.Message.Payload))));
    }

    [Fact]
    public async Task Deliveries_sent_and_removed_in_the_commit_that_added_them_come_back_as_last_changed()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        await DurableAsync();
        var messages = Enumerable.Range(0, 41).Select(i => NewMessage($"a/{i}", "x"u8, AtLeastOnce, retain: false)).ToArray();

        Store.BeginAtomic();
        for (var i = 1; i <= 40; i++)
            Store.AddDelivery(clientId, new QueuedMessage(messages[i], AtLeastOnce, Retain: false, Sequence: i), 0, default);
        Store.SaveDeliveryState(clientId, 5, 105, InflightState.AwaitingPubAck); // sent at once
        Store.SaveDeliveryState(clientId, 35, 135, InflightState.AwaitingPubAck);
        Store.RemoveDelivery(clientId, 3, messages[3]); // its PUBACK came
        Store.RemoveDelivery(clientId, 36, messages[36]);
        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("b/41", "x"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 41), 0, default);
        Store.EndAtomic();
        var deliveries = SessionOf(await RestartAsync(), clientId).Deliveries;

        Assert.Equal([.. Enumerable.Range(1, 41).Where(i => i is not (3 or 36)).Select(i => (long)i)], deliveries.Select(d => d.Sequence));
        Assert.Equal([(5L, (ushort)105), (35L, (ushort)135)], deliveries.Where(d => d.PacketId != 0).Select(d => (d.Sequence, d.PacketId)));
        Assert.Equal("b/41", deliveries[^1].Message.Topic);
    }

    [Fact]
    public async Task Every_delivery_removed_in_the_commit_that_added_it_leaves_the_session_empty()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        await DurableAsync();

        Store.BeginAtomic();
        var messages = Enumerable.Range(1, 33).Select(i => NewMessage($"a/{i}", "x"u8, AtLeastOnce, retain: false)).ToArray();
        for (var i = 0; i < messages.Length; i++)
            Store.AddDelivery(clientId, new QueuedMessage(messages[i], AtLeastOnce, Retain: false, Sequence: i + 1), 0, default);
        for (var i = 0; i < messages.Length; i++)
            Store.RemoveDelivery(clientId, i + 1, messages[i]);
        Store.EndAtomic();

        Assert.Empty(SessionOf(await RestartAsync(), clientId).Deliveries);
    }

    [Fact]
    public async Task Session_deleted_in_the_commit_that_gave_it_deliveries_leaves_the_messages_it_shared()
    {
        var deleted = await ClientAsync();
        var keeps = await ClientAsync();
        Store.SaveSession(keeps, 300, null);
        await DurableAsync();

        Store.BeginAtomic();
        Store.SaveSession(deleted, 300, null);
        var shared = NewMessage("shared", "kept"u8, AtLeastOnce, retain: false);
        for (var i = 1; i <= 40; i++)
            Store.AddDelivery(deleted, new QueuedMessage(i == 20 ? shared : NewMessage($"a/{i}", "x"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: i), 0, default);
        Store.AddDelivery(keeps, new QueuedMessage(shared, AtLeastOnce, Retain: false, Sequence: 1), 0, default);
        Store.DeleteSession(deleted);
        Store.EndAtomic();
        var state = await RestartAsync();

        Assert.False(HasSession(state, deleted));
        AssertSameMessage(shared, Assert.Single(SessionOf(state, keeps).Deliveries).Message);
    }
}

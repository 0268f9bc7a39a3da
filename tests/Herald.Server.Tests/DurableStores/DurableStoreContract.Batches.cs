using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol;
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

    /// <summary>
    /// Each field changes with its own period (null, a value, the same value again, another), so
    /// neighbouring rows, rows of one statement and rows of the next commit differ in every way
    /// (SQLite does not bind again a value a parameter already holds).
    /// </summary>
    [Fact]
    public async Task Deliveries_whose_fields_change_from_one_to_the_next_come_back_each_with_its_own()
    {
        var clients = new[] { await ClientAsync(), await ClientAsync() };
        foreach (var clientId in clients)
            Store.SaveSession(clientId, 300, null);
        await DurableAsync();
        var expected = new List<(string Client, long Sequence, string Topic, string Payload, QualityOfService QoS, bool Retain, uint? Expiry, string? Origin, string Ids, string? Shared, ushort PacketId)>();

        for (var commit = 0; commit < 2; commit++)
        {
            Store.BeginAtomic();
            for (var i = 1; i <= 40; i++)
            {
                var n = commit * 40 + i;
                var clientId = clients[n / 7 % 2];
                var topic = n % 3 == 0 ? $"t/{n}" : "t/same";
                var qos = n % 4 == 0 ? ExactlyOnce : AtLeastOnce;
                var retain = n % 5 == 0;
                uint? expiry = (n % 6) switch { 0 => null, 1 or 2 => 60, _ => (uint)(100 + n) };
                var origin = (n % 4) switch { 0 => null, 1 => "publisher", _ => $"publisher-{n % 3}" };
                var payload = n % 9 == 0 ? "" : $"payload {n}";
                var properties = expiry is null ? null : new Properties { MessageExpiryInterval = expiry };
                var message = NewMessage(topic, System.Text.Encoding.UTF8.GetBytes(payload), qos, retain, properties, origin);
                int[]? ids = n % 3 == 1 ? null : [n % 2 + 1];
                var group = n % 8 < 2 ? new SharedGroup("g", "t/+") : null;
                var packetId = n % 5 < 2 ? (ushort)0 : (ushort)(n % 3 + 1);
                Store.AddDelivery(clientId, new QueuedMessage(message, qos, retain, ids, group, Sequence: n), packetId, packetId == 0 ? default : InflightState.AwaitingPubAck);
                expected.Add((clientId, n, topic, payload, qos, retain, expiry, origin, ids is null ? "-" : string.Join(",", ids), group is null ? null : "$share/g/t/+", packetId));
            }
            Store.EndAtomic();
            await DurableAsync();
        }
        var state = await RestartAsync();

        foreach (var clientId in clients)
        {
            Assert.Equal(
                expected.Where(e => e.Client == clientId).Select(e => (e.Sequence, e.Topic, e.Payload, e.QoS, e.Retain, e.Expiry, e.Origin, e.Ids, e.Shared, e.PacketId)),
                SessionOf(state, clientId).Deliveries.Select(d => (d.Sequence, d.Message.Topic, Text(d.Message.Payload), d.QoS, d.Retain, d.Message.ExpiryInterval,
                    d.Message.OriginClientId, d.SubscriptionIds is null ? "-" : string.Join(",", d.SubscriptionIds), d.SharedFilter, d.PacketId)));
        }
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

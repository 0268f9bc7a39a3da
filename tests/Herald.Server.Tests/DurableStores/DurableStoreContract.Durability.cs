using Herald.Broker.Persistence;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol.Packets;
using Herald.Server.Tests.Fixtures;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.DurableStores;

/// <summary>
/// When the callbacks of <see cref="IDurableStore.WhenDurable"/> run: in order, each once
/// everything recorded before it is durable; and atomic groups, durable whole or not at all. What
/// is durable at a callback is read there (<see cref="ReadWhenDurable"/>): what a crash at that
/// moment would leave.
/// </summary>
public abstract partial class DurableStoreContract
{
    [Fact]
    public async Task Callbacks_run_in_the_order_they_were_recorded()
    {
        const int count = 2_000;
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        var ran = new List<int>();
        var last = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        for (var i = 0; i < count; i++)
        {
            Store.SaveSubscription(clientId, new Subscription(new TopicSubscription($"f/{i}", AtLeastOnce), null));
            Store.WhenDurable(state =>
            {
                lock (ran)
                    ran.Add((int)state!);
                if ((int)state! == count - 1)
                    last.SetResult();
            }, i);
        }
        await last.Task.WaitAsync(WriteTimeout);

        lock (ran)
            Assert.Equal(Enumerable.Range(0, count), ran);
    }

    [Fact]
    public async Task Callback_runs_once_everything_recorded_before_it_is_durable()
    {
        const int count = 20;
        var clientId = await ClientAsync();
        var topic = Unique.Topic("retained");
        Store.SaveSession(clientId, 300, null);
        var reads = new Task<StoredState>[count];

        for (var i = 0; i < count; i++)
        {
            var message = NewMessage($"{topic}/{i}", "x"u8, ExactlyOnce, retain: true);
            Store.SaveSubscription(clientId, new Subscription(new TopicSubscription($"f/{i}", AtLeastOnce), null));
            Store.AddDelivery(clientId, new QueuedMessage(message, ExactlyOnce, Retain: false, Sequence: i + 1), 0, default);
            Store.AddIncomingQos2(clientId, (ushort)(i + 1));
            Store.SetRetained(message);
            reads[i] = ReadWhenDurable();
        }

        for (var i = 0; i < count; i++)
        {
            var state = await reads[i];
            var session = SessionOf(state, clientId);
            var filters = session.Subscriptions.Select(s => s.Request.Filter).ToHashSet();
            var sequences = session.Deliveries.Select(d => d.Sequence).ToHashSet();
            for (var before = 0; before <= i; before++)
            {
                Assert.True(filters.Contains($"f/{before}"), $"the callback recorded after subscription {before} ran before it was durable");
                Assert.True(sequences.Contains(before + 1), $"the callback recorded after delivery {before + 1} ran before it was durable");
                Assert.True(session.IncomingQos2.Contains((ushort)(before + 1)), $"the callback recorded after QoS 2 id {before + 1} ran before it was durable");
                Assert.True(RetainedOn(state, $"{topic}/{before}").Length == 1, $"the callback recorded after retained message {before} ran before it was durable");
            }
        }
    }

    /// <summary>What one QoS 2 PUBLISH records, with the PUBREC it holds back recorded inside the group.</summary>
    [Fact]
    public async Task Callback_inside_an_atomic_group_runs_once_the_whole_group_is_durable()
    {
        var publisher = await ClientAsync();
        var subscriber = await ClientAsync();
        var topic = Unique.Topic("retained");
        Store.SaveSession(publisher, 300, null);
        Store.SaveSession(subscriber, 300, null);
        await DurableAsync();
        var message = NewMessage(topic, "x"u8, ExactlyOnce, retain: true);

        Store.BeginAtomic();
        Store.AddIncomingQos2(publisher, 7);
        var read = ReadWhenDurable();
        Store.AddDelivery(subscriber, new QueuedMessage(message, ExactlyOnce, Retain: false, Sequence: 1), 0, default);
        Store.SetRetained(message);
        Store.EndAtomic();
        var state = await read;

        Assert.Equal([(ushort)7], SessionOf(state, publisher).IncomingQos2);
        Assert.Equal([1L], SessionOf(state, subscriber).Deliveries.Select(d => d.Sequence));
        Assert.Single(RetainedOn(state, topic));
    }

    [Fact]
    public async Task Nested_atomic_groups_are_one_group_until_the_outermost_ends()
    {
        var clientId = await ClientAsync();
        Store.SaveSession(clientId, 300, null);
        await DurableAsync();

        Store.BeginAtomic();
        Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("before/inner", AtLeastOnce), null));
        Store.BeginAtomic();
        Store.AddIncomingQos2(clientId, 1);
        Store.EndAtomic(); // the inner group: the outer one is still open
        var read = ReadWhenDurable();
        Store.SaveSubscription(clientId, new Subscription(new TopicSubscription("after/inner", AtLeastOnce), null));
        Store.AddDelivery(clientId, new QueuedMessage(NewMessage("a", "x"u8, AtLeastOnce, retain: false), AtLeastOnce, Retain: false, Sequence: 1), 0, default);
        Store.EndAtomic();
        var session = SessionOf(await read, clientId);

        Assert.Equal(["after/inner", "before/inner"], session.Subscriptions.Select(s => s.Request.Filter).Order(StringComparer.Ordinal));
        Assert.Equal([(ushort)1], session.IncomingQos2);
        Assert.Equal([1L], session.Deliveries.Select(d => d.Sequence));
    }

    /// <summary>A crash while another client's PUBLISH is being recorded leaves all of it or none.</summary>
    [Fact]
    public async Task Atomic_group_recorded_on_another_thread_is_durable_whole_or_not_at_all()
    {
        var publisher = await ClientAsync();
        var subscriber = await ClientAsync();
        Store.SaveSession(publisher, 300, null);
        Store.SaveSession(subscriber, 300, null);
        await DurableAsync();
        var message = NewMessage("a", "x"u8, ExactlyOnce, retain: false);
        StoredState read;

        using (var group = new OpenGroup(Store,
            opening: () => Store.AddIncomingQos2(publisher, 7),
            closing: () => Store.AddDelivery(subscriber, new QueuedMessage(message, ExactlyOnce, Retain: false, Sequence: 1), 0, default)))
        {
            var reading = ReadWhenDurable(); // recorded by this thread while the group is open
            group.Close();
            read = await reading;
        }

        var idStored = SessionOf(read, publisher).IncomingQos2.Contains((ushort)7);
        var deliveryStored = SessionOf(read, subscriber).Deliveries.Count == 1;
        Assert.True(idStored == deliveryStored, $"a crash would leave the QoS 2 id {(idStored ? "with" : "without")} and the delivery {(deliveryStored ? "with" : "without")} the rest of its group");
        var state = await RestartAsync();
        Assert.Equal([(ushort)7], SessionOf(state, publisher).IncomingQos2);
        Assert.Single(SessionOf(state, subscriber).Deliveries);
    }

    /// <summary>
    /// A publisher's read loop queues a message for a session inside its PUBLISH's atomic group;
    /// the session's read loop, freed by a PUBACK, sends it (under the session's lock, after the
    /// publisher's change) and holds the PUBLISH back until the store has that recorded. The
    /// group's callback was recorded first, so it runs first, and the sender's callback must find
    /// the delivery it sent durable. Otherwise a crash can leave a QoS 2 PUBLISH on the wire that
    /// the session does not have in flight, while its publisher, never sent a PUBREC, sends it
    /// again after the restart: the subscriber gets it twice.
    /// </summary>
    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Callback_recorded_after_a_change_in_another_threads_open_atomic_group_runs_after_that_group()
    {
        var subscriber = await ClientAsync();
        Store.SaveSession(subscriber, 300, null);
        await DurableAsync();
        var message = NewMessage("a", "x"u8, ExactlyOnce, retain: false);
        var ran = new List<string>();
        void Ran(object? name)
        {
            lock (ran)
                ran.Add((string)name!);
        }
        StoredState read;

        using (var group = new OpenGroup(Store,
            opening: () =>
            {
                Store.AddDelivery(subscriber, new QueuedMessage(message, ExactlyOnce, Retain: false, Sequence: 1), 0, default);
                Store.WhenDurable(Ran, "the publisher's group");
            },
            closing: () => { }))
        {
            Store.SaveDeliveryState(subscriber, 1, 3, InflightState.AwaitingPubRec);
            Store.WhenDurable(Ran, "the sender's PUBLISH");
            var reading = ReadWhenDurable();
            group.Close();
            read = await reading;
        }

        lock (ran)
            Assert.Equal(["the publisher's group", "the sender's PUBLISH"], ran);
        var delivery = Assert.Single(SessionOf(read, subscriber).Deliveries);
        Assert.Equal((1L, (ushort)3, InflightState.AwaitingPubRec), (delivery.Sequence, delivery.PacketId, delivery.State));
    }

    /// <summary>
    /// An atomic group recorded on a thread of its own, as another client's read loop records one:
    /// <paramref name="opening"/> is recorded and the group held open until <see cref="Close"/>,
    /// which records <paramref name="closing"/> and ends it.
    /// </summary>
    private sealed class OpenGroup : IDisposable
    {
        private readonly ManualResetEventSlim _opened = new();
        private readonly ManualResetEventSlim _release = new();
        private readonly Thread _thread;
        private Exception? _failure; // written by the thread before it signals or ends

        public OpenGroup(IDurableStore store, Action opening, Action closing)
        {
            _thread = new Thread(() =>
            {
                try
                {
                    store.BeginAtomic();
                    try
                    {
                        opening();
                        _opened.Set();
                        _release.Wait(WriteTimeout);
                        closing();
                    }
                    finally
                    {
                        store.EndAtomic();
                    }
                }
                catch (Exception e)
                {
                    _failure = e;
                    _opened.Set();
                }
            })
            { IsBackground = true, Name = "another client's read loop" };
            _thread.Start();
            Assert.True(_opened.Wait(WriteTimeout), "the other thread did not open its atomic group");
            ThrowIfFailed();
        }

        public void Close()
        {
            _release.Set();
            Assert.True(_thread.Join(WriteTimeout), "the other thread did not end its atomic group");
            ThrowIfFailed();
        }

        public void Dispose()
        {
            _release.Set();
            _thread.Join(WriteTimeout);
            _opened.Dispose();
            _release.Dispose();
        }

        private void ThrowIfFailed()
        {
            if (_failure is { } failure)
                throw new InvalidOperationException("recording on the other thread failed", failure);
        }
    }
}

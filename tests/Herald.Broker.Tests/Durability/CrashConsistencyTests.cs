using Herald.Broker.Tests.Harness;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests.Durability;

/// <summary>
/// What a crash at an unlucky moment leaves: only committed batches survive, and no batch may hold
/// half of something a client was told about.
/// </summary>
public sealed class CrashConsistencyTests
{
    [Fact]
    [Trait("Spec", "MQTT-4.3.3-2")]
    public void Qos2_packet_id_and_its_deliveries_are_committed_together()
    {
        using var broker = new DurableTestBroker();
        var store = broker.Broker.Store!;
        var committed = new ManualResetEventSlim();

        store.BeginAtomic();
        store.AddIncomingQos2("publisher", 7); // the id of a PUBLISH still being routed
        // Another thread's callback, queued after it; no await, which could move this test to
        // another thread, while a group is open on this one.
        var other = new Thread(() => store.WhenDurable(_ => committed.Set(), null));
        other.Start();
        other.Join();

        // The writer may not commit the id alone: the re-sent PUBLISH would then look delivered.
        Assert.False(committed.Wait(TimeSpan.FromMilliseconds(300)));
        store.EndAtomic();
        Assert.True(committed.Wait(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.4.0-1")]
    public async Task Pubrel_resent_on_reconnect_waits_for_its_state_to_be_committed()
    {
        using var broker = new DurableTestBroker();
        var subscriber = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.SubscribeAsync(subscriber, "t", ExactlyOnce);
        var publisher = await broker.ConnectAsync("pub");
        await publisher.PublishAsync("t", "once", ExactlyOnce);
        await broker.DurableAsync();
        subscriber.AssertReceived(new Publish("t", "once", ExactlyOnce, PacketId: 1));

        var paused = broker.PauseWriter();
        await subscriber.PubRecAsync(1); // "awaiting PUBCOMP" recorded, not committed
        subscriber.LoseConnection();
        var again = await broker.ConnectAsync("sub", cleanSession: false);
        again.AssertReceivedNothing(); // a PUBREL now would let the client forget id 1 before the store knows
        broker.CrashKeepingCommitted(paused);

        // The store still says "awaiting PUBREC": the PUBLISH comes again, with DUP and its id, which
        // the client (that never saw PUBREL) still holds, so it is not delivered twice.
        var third = await broker.ConnectAsync("sub", cleanSession: false);
        await broker.DurableAsync();
        third.AssertReceived(new Publish("t", "once", ExactlyOnce, PacketId: 1, Dup: true));
    }
}

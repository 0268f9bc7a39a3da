using System.Buffers;
using System.Diagnostics;
using System.Reflection;
using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Broker.Tests.Harness;
using Herald.Protocol;
using Herald.Protocol.Packets;
using static Herald.Protocol.QualityOfService;

namespace Herald.Broker.Tests;

/// <summary>
/// What the hot paths allocate, counted, not timed (STYLE.md rule 4): bench/Herald.Microbench
/// shows the same numbers in its Allocated column; these keep them from regressing.
///
/// Each test warms the path up first (thread-static lists, the read lock's per-thread count, the
/// connection's topic cache, tiered JIT), then reads <see cref="GC.GetAllocatedBytesForCurrentThread"/>
/// around a loop of calls that all run on the test's thread: ReceiveAsync completes synchronously
/// for PUBLISH, so nothing is measured across an await. The loop bodies use no xunit asserts,
/// which allocate a comparer per call.
/// </summary>
public sealed class AllocationTests : IDisposable
{
    private const int Iterations = 1_000;
    private const string Topic = "devices/42/status";
    private const int PayloadLength = 64;

    private readonly TestBroker _broker = new();

    public void Dispose() => _broker.Dispose();

    [Theory]
    [InlineData("devices/4242/status", 1)]
    [InlineData("sensors/42/kitchen/temp", 10)] // under two nodes: also goes through the merge of duplicate sessions
    public async Task Matching_a_topic_against_10000_subscriptions_allocates_nothing(string topic, int subscribers)
    {
        // 9,000 literal filters, and for each of 100 groups five "sensors/{g}/+/temp" and five
        // "sensors/{g}/#", held by 1,000 sessions.
        const int sessionCount = 1_000;
        var sessions = new Session[sessionCount];
        for (var i = 0; i < sessionCount; i++)
        {
            await _broker.ConnectAsync($"s{i}");
            sessions[i] = _broker.SessionOf($"s{i}");
        }
        var tree = new SubscriptionTree();
        for (var i = 0; i < 9_000; i++)
            tree.Subscribe(sessions[i % sessionCount], new Subscription(new TopicSubscription($"devices/{i}/status", AtLeastOnce), null));
        for (var g = 0; g < 100; g++)
        {
            for (var j = 0; j < 5; j++)
            {
                tree.Subscribe(sessions[g * 10 + j], new Subscription(new TopicSubscription($"sensors/{g}/+/temp", AtLeastOnce), null));
                tree.Subscribe(sessions[g * 10 + 5 + j], new Subscription(new TopicSubscription($"sensors/{g}/#", AtLeastOnce), null));
            }
        }
        Assert.Equal(10_000, tree.Count);
        var results = new List<Subscriber>();
        tree.Match(topic, null, results);
        Assert.Equal(subscribers, results.Count);

        var perMatch = BytesPerOperation(() =>
        {
            results.Clear();
            tree.Match(topic, null, results);
        });

        Assert.Equal(0, perMatch);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Writing_a_message_as_publish_into_a_reused_buffer_allocates_nothing(ProtocolVersion version)
    {
        var message = Message.Create(Topic, new byte[PayloadLength], AtLeastOnce, retain: false);
        int[] subscriptionIds = [7];
        var writer = new ArrayBufferWriter<byte>(4096);

        var perWrite = BytesPerOperation(() =>
        {
            writer.ResetWrittenCount();
            message.WritePublish(writer, version, AtLeastOnce, packetId: 1, dup: false, retain: false, subscriptionIds, remainingExpiry: 60);
        });

        Assert.Equal(0, perWrite);
    }

    /// <summary>
    /// Framing and reading a PUBLISH without a topic cache allocates exactly one object: the topic
    /// name as a string, which routing needs. Topic and payload stay slices of the receive buffer,
    /// and the packet is a struct. The slack allows for a runtime whose object header or
    /// alignment differs; on x64 the measured cost is the string's size exactly (56 bytes here).
    /// </summary>
    [Theory]
    [InlineData(AtMostOnce)]
    [InlineData(AtLeastOnce)]
    public void Reading_a_publish_allocates_only_its_topic_string(QualityOfService qos)
    {
        var bytes = Encode.Publish(Topic, new string('x', PayloadLength), qos, qos == AtMostOnce ? (ushort)0 : (ushort)1, retain: false, dup: false);
        const int slack = 8;

        var perRead = BytesPerOperation(() => Read(bytes, topics: null));

        Assert.InRange(perRead, 1, StringSize(Topic) + slack);
    }

    /// <summary>The connection's <see cref="TopicCache"/> hands back a repeated topic: the read then allocates nothing.</summary>
    [Fact]
    public void Reading_a_publish_to_a_repeated_topic_through_the_topic_cache_allocates_nothing()
    {
        var bytes = Encode.Publish(Topic, new string('x', PayloadLength), AtMostOnce, 0, retain: false, dup: false);
        var topics = new TopicCache();

        var perRead = BytesPerOperation(() => Read(bytes, topics));

        Assert.Equal(0, perRead);
    }

    /// <summary>
    /// The whole in-process QoS 0 path for a 64-byte payload and a 17-byte topic, one publisher and
    /// one subscriber: publisher ReceiveAsync (frame, read, route, enqueue) then the subscriber's
    /// WriteOutbound into a reused buffer. Measured per message on x64, .NET 10, Release build of
    /// Herald.Broker:
    ///
    ///   repeated topic: 200 B = the Message (88 B) + its encoded bytes, byte[2 + 17 + 64] (112 B);
    ///                   the topic string comes from the connection's topic cache.
    ///   new topics:     256 B = the same + the topic string (56 B), when a publisher cycles
    ///                   through more topics than the cache keeps (8).
    ///
    /// The outbound queue entry is a struct in the queue's reused array, and the async methods
    /// complete synchronously without a box, so they cost nothing once warm. A budget equal to
    /// today's cost makes any new per-message allocation fail here.
    /// </summary>
    [Theory]
    [InlineData(1, 200)]
    [InlineData(16, 256)]
    public async Task A_qos0_message_from_publisher_to_subscriber_stays_within_its_allocation_budget(int distinctTopics, int budget)
    {
        var subscriber = await _broker.ConnectSubscriberAsync("sub", "devices/+/status", AtMostOnce);
        var publisher = await _broker.ConnectAsync("pub");
        var payload = new string('x', PayloadLength);
        // Topics of one length (17 bytes, as Topic), so every message costs the same.
        var publishes = new ReadOnlySequence<byte>[distinctTopics];
        for (var i = 0; i < distinctTopics; i++)
        {
            var topic = distinctTopics == 1 ? Topic : $"devices/{10 + i}/status";
            publishes[i] = new ReadOnlySequence<byte>(Encode.Publish(topic, payload, AtMostOnce, 0, retain: false, dup: false));
        }
        var writer = new ArrayBufferWriter<byte>(4096);
        var next = 0;

        var perMessage = BytesPerOperation(() =>
        {
            var received = publisher.Connection.ReceiveAsync(publishes[next]);
            next = (next + 1) % distinctTopics;
            if (!received.IsCompletedSuccessfully)
                throw new InvalidOperationException("ReceiveAsync of a PUBLISH did not complete synchronously");
            writer.ResetWrittenCount();
            if (subscriber.Connection.WriteOutbound(writer) != 1)
                throw new InvalidOperationException("the subscriber did not get exactly one PUBLISH");
        });

        // A Debug build compiles ReceiveAsync's and DispatchAsync's state machines as classes, which
        // are allocated even when the methods complete synchronously: 224 B more per message.
        var debugStateMachines = IsOptimized(typeof(Broker).Assembly) ? 0 : 224;
        Assert.InRange(perMessage, 1, budget + debugStateMachines);
    }

    private static int Read(byte[] bytes, TopicCache? topics)
    {
        var buffer = new ReadOnlySequence<byte>(bytes);
        if (!PacketFrame.TryRead(ref buffer, PacketFrame.MaxPacketSize, out var header, out var body))
            throw new InvalidOperationException("the PUBLISH is not whole");
        return PublishPacket.Read(header, body, ProtocolVersion.V311, topics).PacketId;
    }

    private static bool IsOptimized(Assembly assembly) =>
        assembly.GetCustomAttribute<DebuggableAttribute>() is not { IsJITOptimizerDisabled: true };

    /// <summary>A string's size on the heap: header, method table, length, UTF-16 characters and a terminator, aligned.</summary>
    private static int StringSize(string s)
    {
        var size = 2 * IntPtr.Size + sizeof(int) + 2 * (s.Length + 1);
        return (size + IntPtr.Size - 1) / IntPtr.Size * IntPtr.Size;
    }

    /// <summary>
    /// Bytes one call allocates on this thread, averaged over <see cref="Iterations"/> calls after as
    /// many to warm up; the least of three rounds, so a one-off allocation by the runtime in one
    /// round does not fail a test while a per-call one fails every round.
    /// </summary>
    private static double BytesPerOperation(Action operation)
    {
        for (var i = 0; i < Iterations; i++)
            operation();
        var least = long.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < Iterations; i++)
                operation();
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        return (double)least / Iterations;
    }
}

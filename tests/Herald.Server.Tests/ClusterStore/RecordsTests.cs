using Herald.Broker.Messages;
using Herald.Broker.Routing;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;
using Herald.Storage.Redis.Cluster;
using Microsoft.Extensions.Time.Testing;
using static Herald.Protocol.QualityOfService;

namespace Herald.Server.Tests.ClusterStore;

/// <summary>
/// The binary records a cluster keeps in Redis and sends between nodes: each read back as it was
/// written, and each refused with <see cref="FormatException"/> when cut short anywhere.
/// </summary>
public sealed class RecordsTests
{
    private static readonly DateTimeOffset Start = new(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void Message_round_trips_with_every_mqtt5_property()
    {
        var properties = EveryMessageProperty();
        var message = Message.Create("sensors/π/温度", [0, 1, 2, 255], ExactlyOnce, retain: true, properties, "c1", _time.GetTimestamp());

        var read = RoundTrip(message, _time, _time);

        Assert.Equal("sensors/π/温度", read.Topic);
        Assert.Equal([0, 1, 2, 255], read.Payload.ToArray());
        Assert.Equal(ExactlyOnce, read.QoS);
        Assert.True(read.Retain);
        Assert.Equal("c1", read.OriginClientId);
        Assert.Equal(3600u, read.ExpiryInterval);
        Assert.Equal(3600u, read.RemainingExpiry(_time));
        var p = read.Properties!;
        Assert.Equal((byte)1, p.PayloadFormatIndicator);
        Assert.Equal("application/json", p.ContentType);
        Assert.Equal("replies/c1", p.ResponseTopic);
        Assert.Equal([9, 8, 7], p.CorrelationData!);
        Assert.Equal([new UserProperty("k", "1"), new UserProperty("k", "2"), new UserProperty("ключ", "значение")], p.UserProperties!);
        Assert.Equal(message.EncodedProperties.ToArray(), read.EncodedProperties.ToArray());
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-6")]
    public void Message_expiry_counts_on_across_the_round_trip_from_when_it_was_received()
    {
        var sender = new FakeTimeProvider(Start);
        var message = Message.Create("t", "x"u8, AtLeastOnce, retain: false, new Properties { MessageExpiryInterval = 60 }, "c1", sender.GetTimestamp());
        sender.Advance(TimeSpan.FromSeconds(10));
        // Another node: its own timestamps, the same wall clock, reading the record 5 s after it was written.
        var receiver = new FakeTimeProvider(Start + TimeSpan.FromSeconds(15));

        var read = RoundTrip(message, sender, receiver);

        Assert.Equal(60u, read.ExpiryInterval);
        Assert.Equal(45u, read.RemainingExpiry(receiver));
        receiver.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(0u, read.RemainingExpiry(receiver));
    }

    [Fact]
    public void Message_without_properties_reads_back_without_any()
    {
        var message = Message.Create("t", "x"u8, AtMostOnce, retain: false, properties: null, "c1", _time.GetTimestamp());

        var read = RoundTrip(message, _time, _time);

        Assert.Null(read.Properties);
        Assert.Null(read.ExpiryInterval);
        Assert.Null(read.RemainingExpiry(_time));
        Assert.Equal(AtMostOnce, read.QoS);
        Assert.False(read.Retain);
    }

    [Fact]
    public void Message_with_only_an_expiry_reads_back_with_only_the_expiry()
    {
        var message = Message.Create("t", "x"u8, AtMostOnce, retain: false, new Properties { MessageExpiryInterval = 30 }, null, _time.GetTimestamp());

        var read = RoundTrip(message, _time, _time);

        Assert.Equal(30u, read.ExpiryInterval);
        Assert.Null(read.Properties);
        Assert.True(read.EncodedProperties.IsEmpty);
    }

    [Fact]
    public void Message_with_an_empty_payload_reads_back_empty()
    {
        var message = Message.Create("t", [], AtLeastOnce, retain: true, null, "c1", _time.GetTimestamp());

        var read = RoundTrip(message, _time, _time);

        Assert.True(read.Payload.IsEmpty);
        Assert.Equal("t", read.Topic);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("publisher-1")]
    public void Message_origin_client_id_reads_back_as_it_was(string? origin)
    {
        var message = Message.Create("t", "x"u8, AtMostOnce, retain: false, null, origin, _time.GetTimestamp());

        Assert.Equal(origin, RoundTrip(message, _time, _time).OriginClientId);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Forwarded_entry_reads_back_what_the_receiving_node_is_to_do(bool ordinary, bool retainedCopy)
    {
        var message = Message.Create("jobs", "j"u8, AtLeastOnce, retain: retainedCopy, EveryMessageProperty(), "c1", _time.GetTimestamp());
        var record = new RecordWriter();
        Records.WriteForward(record, message, ordinary, retainedCopy, ["$share/g/jobs", "$share/h/jobs"], _time);

        var reader = new RecordReader(record.ToArray());
        var forward = Records.ReadForward(ref reader, _time);

        Assert.True(reader.AtEnd);
        Assert.Equal(ordinary, forward.Ordinary);
        Assert.Equal(retainedCopy, forward.RetainedCopy);
        Assert.Equal(["$share/g/jobs", "$share/h/jobs"], forward.Groups!.Order(StringComparer.Ordinal));
        Assert.Equal("jobs", forward.Message.Topic);
        Assert.Equal("j"u8.ToArray(), forward.Message.Payload.ToArray());
        Assert.Equal(message.EncodedProperties.ToArray(), forward.Message.EncodedProperties.ToArray());
    }

    [Fact]
    public void Forwarded_entry_without_groups_reads_back_without_groups()
    {
        var message = Message.Create("t", "x"u8, AtMostOnce, retain: false, null, null, _time.GetTimestamp());
        var record = new RecordWriter();
        Records.WriteForward(record, message, ordinary: true, retainedCopy: false, groups: null, _time);

        var reader = new RecordReader(record.ToArray());

        Assert.Null(Records.ReadForward(ref reader, _time).Groups);
    }

    [Theory]
    [InlineData(AtMostOnce, false, false, 0, null)]
    [InlineData(AtLeastOnce, true, false, 1, 1)]
    [InlineData(ExactlyOnce, false, true, 2, 268_435_455)]
    [InlineData(ExactlyOnce, true, true, 2, null)]
    [InlineData(AtLeastOnce, false, true, 1, 42)]
    public void Subscription_round_trips_with_its_options_and_identifier(QualityOfService qos, bool noLocal, bool retainAsPublished, byte retainHandling, int? subscriptionId)
    {
        var request = new TopicSubscription("a/+/#", qos) { NoLocal = noLocal, RetainAsPublished = retainAsPublished, RetainHandling = retainHandling };

        var (read, id) = Records.ReadSubscription("a/+/#", Records.Subscription(request, subscriptionId));

        Assert.Equal(request, read);
        Assert.Equal(subscriptionId, id);
    }

    [Theory]
    [MemberData(nameof(SubscriptionIdLists))]
    public void Delivery_round_trips_with_its_subscription_ids(int[]? subscriptionIds)
    {
        var delivery = new QueuedMessage(Message.Create("t", "x"u8, AtLeastOnce, retain: false, null, "c1", _time.GetTimestamp()), AtLeastOnce, Retain: false, subscriptionIds, Sequence: 7);

        var read = Records.ReadDelivery(7, Records.Delivery(delivery, _time), packetId: 0, default, _time);

        Assert.Equal(subscriptionIds, read.SubscriptionIds);
    }

    public static TheoryData<int[]?> SubscriptionIdLists() => new() { null, Array.Empty<int>(), new[] { 1 }, new[] { 1, 268_435_455, 12 } };

    [Fact]
    public void Delivery_round_trips_with_its_group_packet_id_and_state()
    {
        var group = new SharedGroup("g", "a/+");
        var message = Message.Create("a/b", "x"u8, ExactlyOnce, retain: true, EveryMessageProperty(), "c1", _time.GetTimestamp());
        var delivery = new QueuedMessage(message, AtLeastOnce, Retain: true, [5], group, Sequence: 123_456_789_012);
        var (packetId, state) = Records.ReadDeliveryState(Records.DeliveryState(65535, InflightState.AwaitingPubComp));

        var read = Records.ReadDelivery(123_456_789_012, Records.Delivery(delivery, _time), packetId, state, _time);

        Assert.Equal(123_456_789_012, read.Sequence);
        Assert.Equal(AtLeastOnce, read.QoS);
        Assert.True(read.Retain);
        Assert.Equal("$share/g/a/+", read.SharedFilter);
        Assert.Equal((ushort)65535, read.PacketId);
        Assert.Equal(InflightState.AwaitingPubComp, read.State);
        Assert.Equal("a/b", read.Message.Topic);
        Assert.Equal(ExactlyOnce, read.Message.QoS);
        Assert.Equal(message.EncodedProperties.ToArray(), read.Message.EncodedProperties.ToArray());
    }

    [Theory]
    [InlineData((ushort)1, InflightState.AwaitingPubAck)]
    [InlineData((ushort)300, InflightState.AwaitingPubRec)]
    [InlineData((ushort)65535, InflightState.AwaitingPubComp)]
    public void Delivery_state_round_trips(ushort packetId, InflightState state)
    {
        Assert.Equal((packetId, state), Records.ReadDeliveryState(Records.DeliveryState(packetId, state)));
    }

    [Fact]
    public void Will_round_trips_with_its_properties_and_due_time()
    {
        var will = new ConnectWill("wills/c1", [1, 2, 3], ExactlyOnce, Retain: true) { Properties = EveryWillProperty() };
        var dueAt = Start + TimeSpan.FromMilliseconds(12_345);

        var read = Records.ReadWill(Records.Will(will, dueAt));

        Assert.Equal(dueAt, read.DueAt);
        Assert.Equal("wills/c1", read.Will.Topic);
        Assert.Equal([1, 2, 3], read.Will.Payload);
        Assert.Equal(ExactlyOnce, read.Will.QoS);
        Assert.True(read.Will.Retain);
        var p = read.Will.Properties!;
        Assert.Equal(30u, p.WillDelayInterval);
        Assert.Equal((byte)1, p.PayloadFormatIndicator);
        Assert.Equal(600u, p.MessageExpiryInterval);
        Assert.Equal("text/plain", p.ContentType);
        Assert.Equal("replies/c1", p.ResponseTopic);
        Assert.Equal([4, 5], p.CorrelationData!);
        Assert.Equal([new UserProperty("why", "lost"), new UserProperty("why", "again")], p.UserProperties!);
    }

    [Fact]
    public void Will_without_properties_reads_back_without_any()
    {
        var read = Records.ReadWill(Records.Will(new ConnectWill("w", [], AtMostOnce, Retain: false), Start));

        Assert.Null(read.Will.Properties);
        Assert.Empty(read.Will.Payload);
        Assert.False(read.Will.Retain);
    }

    [Theory]
    [InlineData("message")]
    [InlineData("bare message")]
    [InlineData("forward")]
    [InlineData("subscription")]
    [InlineData("delivery")]
    [InlineData("delivery state")]
    [InlineData("will")]
    public void Record_cut_short_anywhere_is_refused_with_format_exception(string kind)
    {
        var record = Write(kind);
        Read(kind, record); // whole, it reads

        for (var cut = 0; cut < record.Length; cut++)
        {
            var prefix = record[..cut];
            var e = Record.Exception(() => Read(kind, prefix));
            Assert.True(e is FormatException, $"{kind} cut to {cut} of {record.Length} bytes: {(e is null ? "read without error" : e.GetType().Name + ": " + e.Message)}");
        }
    }

    private byte[] Write(string kind)
    {
        var full = Message.Create("a/b", "payload"u8, ExactlyOnce, retain: true, EveryMessageProperty(), "c1", _time.GetTimestamp());
        var bare = Message.Create("t", [], AtMostOnce, retain: false, null, null, _time.GetTimestamp());
        var writer = new RecordWriter();
        switch (kind)
        {
            case "message":
                Records.WriteMessage(writer, full, _time);
                return writer.ToArray();
            case "bare message":
                Records.WriteMessage(writer, bare, _time);
                return writer.ToArray();
            case "forward":
                Records.WriteForward(writer, full, ordinary: true, retainedCopy: true, ["$share/g/a/b"], _time);
                return writer.ToArray();
            case "subscription":
                return Records.Subscription(new TopicSubscription("a/#", AtLeastOnce) { NoLocal = true }, 9);
            case "delivery":
                return Records.Delivery(new QueuedMessage(full, AtLeastOnce, Retain: true, [1, 2], new SharedGroup("g", "a/b"), 3), _time);
            case "delivery state":
                return Records.DeliveryState(7, InflightState.AwaitingPubRec);
            case "will":
                return Records.Will(new ConnectWill("w", [1], AtLeastOnce, Retain: true) { Properties = EveryWillProperty() }, Start);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private void Read(string kind, byte[] bytes)
    {
        var reader = new RecordReader(bytes);
        switch (kind)
        {
            case "message" or "bare message":
                Records.ReadMessage(ref reader, _time);
                break;
            case "forward":
                Records.ReadForward(ref reader, _time);
                break;
            case "subscription":
                Records.ReadSubscription("a/#", bytes);
                break;
            case "delivery":
                Records.ReadDelivery(3, bytes, 0, default, _time);
                break;
            case "delivery state":
                Records.ReadDeliveryState(bytes);
                break;
            case "will":
                Records.ReadWill(bytes);
                break;
        }
    }

    private static Message RoundTrip(Message message, TimeProvider writerClock, TimeProvider readerClock)
    {
        var writer = new RecordWriter();
        Records.WriteMessage(writer, message, writerClock);
        var reader = new RecordReader(writer.ToArray());
        var read = Records.ReadMessage(ref reader, readerClock);
        Assert.True(reader.AtEnd, "the message record has bytes after the message");
        return read;
    }

    private static Properties EveryMessageProperty() => new()
    {
        PayloadFormatIndicator = 1,
        MessageExpiryInterval = 3600,
        ContentType = "application/json",
        ResponseTopic = "replies/c1",
        CorrelationData = [9, 8, 7],
        UserProperties = [new("k", "1"), new("k", "2"), new("ключ", "значение")],
    };

    private static Properties EveryWillProperty() => new()
    {
        WillDelayInterval = 30,
        PayloadFormatIndicator = 1,
        MessageExpiryInterval = 600,
        ContentType = "text/plain",
        ResponseTopic = "replies/c1",
        CorrelationData = [4, 5],
        UserProperties = [new("why", "lost"), new("why", "again")],
    };
}

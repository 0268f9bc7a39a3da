using Herald.Broker.Messages;
using Herald.Broker.Persistence;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Storage.Redis.Cluster;

/// <summary>
/// The binary forms of what the cluster keeps in Redis and sends between nodes: messages (with
/// when they were received, so Message Expiry counts on across nodes), subscriptions, deliveries,
/// wills, and the entries of a forwarded batch. A message keeps its id (<see cref="Message.StoreId"/>,
/// unique in the cluster) from node to node.
/// </summary>
internal static class Records
{
    private const byte Ordinary = 1;
    private const byte RetainedCopy = 2;
    private const byte Bounced = 4;

    public static void WriteMessage(RecordWriter writer, Message message, TimeProvider time)
    {
        writer.Int64(message.StoreId);
        writer.Byte((byte)message.QoS);
        writer.Byte(message.Retain ? (byte)1 : (byte)0);
        writer.String(message.Topic);
        writer.Bytes(message.Payload.Span);
        writer.Bytes(message.EncodedProperties);
        writer.Int64(message.ExpiryInterval is { } expiry ? expiry : -1);
        writer.String(message.OriginClientId);
        writer.Int64((time.GetUtcNow() - time.GetElapsedTime(message.Timestamp)).ToUnixTimeMilliseconds());
    }

    public static Message ReadMessage(ref RecordReader reader, TimeProvider time)
    {
        var id = reader.Int64();
        var qos = (QualityOfService)reader.Byte();
        var retain = reader.Byte() != 0;
        var topic = reader.String() ?? throw new FormatException("a message without a topic");
        var payload = reader.Bytes();
        var properties = reader.Bytes();
        var expiry = reader.Int64();
        var origin = reader.String();
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(reader.Int64());
        var timestamp = time.GetTimestamp() - (long)(age.TotalSeconds * time.TimestampFrequency);
        return Message.Restore(id, topic, payload, qos, retain, properties, expiry < 0 ? null : (uint)expiry, origin, timestamp);
    }

    /// <summary>One entry of a forwarded batch: what the receiving node is to do with the message, then the message.</summary>
    /// <param name="bounced">Sent on by a node whose group member had just left: not sent on again.</param>
    public static void WriteForward(RecordWriter writer, Message message, bool ordinary, bool retainedCopy, IReadOnlyCollection<string>? groups, TimeProvider time, bool bounced = false)
    {
        writer.Byte((byte)((ordinary ? Ordinary : 0) | (retainedCopy ? RetainedCopy : 0) | (bounced ? Bounced : 0)));
        writer.Int32(groups?.Count ?? 0);
        if (groups is not null)
        {
            foreach (var group in groups)
                writer.String(group);
        }
        WriteMessage(writer, message, time);
    }

    public static Forward ReadForward(ref RecordReader reader, TimeProvider time)
    {
        var flags = reader.Byte();
        var count = reader.Int32();
        HashSet<string>? groups = count > 0 ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (var i = 0; i < count; i++)
            groups!.Add(reader.String()!);
        var message = ReadMessage(ref reader, time);
        return new Forward(message, (flags & Ordinary) != 0, (flags & RetainedCopy) != 0, groups, (flags & Bounced) != 0);
    }

    public static byte[] Subscription(TopicSubscription request, int? subscriptionId)
    {
        var writer = new RecordWriter();
        writer.Byte(request.OptionsByte);
        writer.Int64(subscriptionId ?? -1);
        return writer.ToArray();
    }

    public static (TopicSubscription Request, int? SubscriptionId) ReadSubscription(string filter, ReadOnlySpan<byte> bytes)
    {
        var reader = new RecordReader(bytes);
        var request = TopicSubscription.FromOptions(filter, reader.Byte());
        var id = reader.Int64();
        return (request, id < 0 ? null : (int)id);
    }

    public static byte[] Delivery(in QueuedMessage delivery, TimeProvider time)
    {
        var writer = new RecordWriter();
        writer.Byte((byte)delivery.QoS);
        writer.Byte(delivery.Retain ? (byte)1 : (byte)0);
        writer.Int32(delivery.SubscriptionIds?.Length ?? -1);
        foreach (var id in delivery.SubscriptionIds ?? [])
            writer.Int32(id);
        writer.String(delivery.Group?.Key);
        WriteMessage(writer, delivery.Message, time);
        return writer.ToArray();
    }

    public static StoredDelivery ReadDelivery(long sequence, ReadOnlySpan<byte> bytes, ushort packetId, InflightState state, TimeProvider time)
    {
        var reader = new RecordReader(bytes);
        var qos = (QualityOfService)reader.Byte();
        var retain = reader.Byte() != 0;
        var count = reader.Int32();
        int[]? ids = count < 0 ? null : new int[count];
        for (var i = 0; i < count; i++)
            ids![i] = reader.Int32();
        var shared = reader.String();
        var message = ReadMessage(ref reader, time);
        return new StoredDelivery(sequence, message, qos, retain, ids, packetId, state, shared);
    }

    public static byte[] Ids(IReadOnlyCollection<long> ids)
    {
        var writer = new RecordWriter();
        writer.Int32(ids.Count);
        foreach (var id in ids)
            writer.Int64(id);
        return writer.ToArray();
    }

    public static long[] ReadIds(ReadOnlySpan<byte> bytes)
    {
        var reader = new RecordReader(bytes);
        var ids = new long[reader.Int32()];
        for (var i = 0; i < ids.Length; i++)
            ids[i] = reader.Int64();
        return ids;
    }

    public static byte[] DeliveryState(ushort packetId, InflightState state)
    {
        var writer = new RecordWriter();
        writer.Int32(packetId);
        writer.Byte((byte)state);
        return writer.ToArray();
    }

    public static (ushort PacketId, InflightState State) ReadDeliveryState(ReadOnlySpan<byte> bytes)
    {
        var reader = new RecordReader(bytes);
        return ((ushort)reader.Int32(), (InflightState)reader.Byte());
    }

    public static byte[] Will(ConnectWill will, DateTimeOffset dueAt)
    {
        var writer = new RecordWriter();
        writer.String(will.Topic);
        writer.Bytes(will.Payload);
        writer.Byte((byte)will.QoS);
        writer.Byte(will.Retain ? (byte)1 : (byte)0);
        writer.Bytes(will.Properties is { } properties ? Properties.Encode(properties) : []);
        writer.Int64(dueAt.ToUnixTimeMilliseconds());
        return writer.ToArray();
    }

    public static StoredWill ReadWill(ReadOnlySpan<byte> bytes)
    {
        var reader = new RecordReader(bytes);
        var topic = reader.String()!;
        var payload = reader.Bytes().ToArray();
        var qos = (QualityOfService)reader.Byte();
        var retain = reader.Byte() != 0;
        var encoded = reader.Bytes();
        var properties = encoded.IsEmpty ? null : Properties.Decode(encoded.ToArray(), Properties.WillContext);
        var will = new ConnectWill(topic, payload, qos, retain) { Properties = properties };
        return new StoredWill(will, DateTimeOffset.FromUnixTimeMilliseconds(reader.Int64()));
    }
}

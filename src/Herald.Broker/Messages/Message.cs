using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Messages;

/// <summary>
/// One application message, shared by every session it is routed to. The topic, payload and
/// MQTT 5 message properties are kept already encoded as they appear in a PUBLISH, so fan-out
/// copies bytes and writes only the per-delivery fields (QoS, packet id, DUP, RETAIN, the
/// remaining expiry, subscription identifiers, topic alias) instead of re-encoding.
/// Immutable: any number of writer loops read it at once.
/// </summary>
public sealed class Message
{
    // [topic length: 2][topic UTF-8][payload]
    private readonly byte[] _encoded;
    private readonly int _topicEnd;
    // MQTT 5 properties that travel unchanged (payload format, content type, response topic,
    // correlation data, user properties), without their length prefix; Message Expiry is not
    // among them because each delivery sends what remains of it.
    private readonly byte[]? _properties;
    private long _storeId;

    private Message(string topic, byte[] encoded, int topicEnd, QualityOfService qos, bool retain, Properties? properties, string? origin, long timestamp)
    {
        Topic = topic;
        _encoded = encoded;
        _topicEnd = topicEnd;
        QoS = qos;
        Retain = retain;
        OriginClientId = origin;
        Timestamp = timestamp;
        if (properties is null)
            return;
        ExpiryInterval = properties.MessageExpiryInterval;
        var forwarded = new Properties
        {
            PayloadFormatIndicator = properties.PayloadFormatIndicator,
            ContentType = properties.ContentType,
            ResponseTopic = properties.ResponseTopic,
            CorrelationData = properties.CorrelationData,
            UserProperties = properties.UserProperties,
        };
        var length = forwarded.BodyLength();
        if (length == 0)
            return;
        Properties = forwarded;
        _properties = new byte[length];
        forwarded.WriteBody(_properties);
    }

    public string Topic { get; }

    /// <summary>The QoS it was published with; a delivery uses the lower of this and the subscription's.</summary>
    public QualityOfService QoS { get; }

    /// <summary>The RETAIN flag it was published with.</summary>
    public bool Retain { get; }

    public ReadOnlyMemory<byte> Payload => _encoded.AsMemory(_topicEnd);

    /// <summary>The MQTT 5 properties forwarded to subscribers, without Message Expiry; null when none.</summary>
    public Properties? Properties { get; }

    /// <summary>Message Expiry Interval in seconds as published; null when the message does not expire.</summary>
    public uint? ExpiryInterval { get; }

    /// <summary>The client id of the publisher, for No Local; null for messages the server makes.</summary>
    public string? OriginClientId { get; }

    /// <summary>When the broker received it (<see cref="TimeProvider.GetTimestamp"/>), for expiry.</summary>
    public long Timestamp { get; }

    /// <summary>Bytes it holds: topic, payload and forwarded properties, as queue bounds count them.</summary>
    public int Size => _encoded.Length + (_properties?.Length ?? 0);

    /// <summary>Its id in the durable store once a persistent session or the retained store took it; 0 before.</summary>
    public long StoreId => Volatile.Read(ref _storeId);

    /// <summary>The forwarded MQTT 5 properties as encoded, without their length; empty when none.</summary>
    public ReadOnlySpan<byte> EncodedProperties => _properties;

    /// <summary>Gives the message its store id unless it has one; returns the id it has.</summary>
    internal long AssignStoreId(long id)
    {
        var previous = Interlocked.CompareExchange(ref _storeId, id, 0);
        return previous == 0 ? id : previous;
    }

    public static Message FromPublish(in PublishPacket packet, string topic, string? origin, long timestamp)
    {
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var encoded = new byte[2 + topicLength + packet.Payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(encoded, (ushort)topicLength);
        if (packet.TopicUtf8.Length == topicLength)
            packet.TopicUtf8.CopyTo(encoded.AsSpan(2));
        else
            Encoding.UTF8.GetBytes(topic, encoded.AsSpan(2)); // the topic came from an alias
        packet.Payload.CopyTo(encoded.AsSpan(2 + topicLength));
        return new Message(topic, encoded, 2 + topicLength, packet.QoS, packet.Retain, packet.Properties, origin, timestamp);
    }

    public static Message Create(
        string topic,
        ReadOnlySpan<byte> payload,
        QualityOfService qos,
        bool retain,
        Properties? properties = null,
        string? origin = null,
        long timestamp = 0)
    {
        var topicLength = Encoding.UTF8.GetByteCount(topic);
        var encoded = new byte[2 + topicLength + payload.Length];
        WireFormat.WriteString(encoded, topic);
        payload.CopyTo(encoded.AsSpan(2 + topicLength));
        return new Message(topic, encoded, 2 + topicLength, qos, retain, properties, origin, timestamp);
    }

    /// <summary>A message read back from the durable store, with its stored id.</summary>
    public static Message Restore(
        long storeId,
        string topic,
        ReadOnlySpan<byte> payload,
        QualityOfService qos,
        bool retain,
        ReadOnlySpan<byte> encodedProperties,
        uint? expiryInterval,
        string? origin,
        long timestamp)
    {
        Properties? properties = null;
        if (!encodedProperties.IsEmpty || expiryInterval is not null)
        {
            var framed = new byte[WireFormat.VariableByteIntegerSize(encodedProperties.Length) + encodedProperties.Length];
            var i = WireFormat.WriteVariableByteInteger(framed, encodedProperties.Length);
            encodedProperties.CopyTo(framed.AsSpan(i));
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(framed));
            properties = Properties.Read(ref reader, (int)PacketType.Publish) ?? new Properties();
            properties.MessageExpiryInterval = expiryInterval;
        }
        var message = Create(topic, payload, qos, retain, properties, origin, timestamp);
        message._storeId = storeId;
        return message;
    }

    /// <summary>
    /// Seconds of Message Expiry left, counted from when the broker received it; null when it
    /// never expires, 0 once expired [MQTT-3.3.2-5] [MQTT-3.3.2-6].
    /// </summary>
    public uint? RemainingExpiry(TimeProvider time)
    {
        if (ExpiryInterval is not { } interval)
            return null;
        var elapsed = (ulong)time.GetElapsedTime(Timestamp).TotalSeconds;
        return elapsed >= interval ? 0 : interval - (uint)elapsed;
    }

    /// <summary>Size of the PUBLISH this message makes for one delivery, to respect a client's Maximum Packet Size.</summary>
    public int PublishSize(ProtocolVersion version, QualityOfService qos, int[]? subscriptionIds, ushort topicAlias = 0, bool omitTopic = false)
    {
        return PacketFrame.PacketSize(RemainingLength(version, qos, subscriptionIds, ExpiryInterval is not null, topicAlias, omitTopic, out _));
    }

    /// <summary>Writes this message as one PUBLISH packet with the given per-delivery fields.</summary>
    public void WritePublish(
        IBufferWriter<byte> writer,
        ProtocolVersion version,
        QualityOfService qos,
        ushort packetId,
        bool dup,
        bool retain,
        int[]? subscriptionIds = null,
        uint? remainingExpiry = null,
        ushort topicAlias = 0,
        bool omitTopic = false)
    {
        var v5 = version == ProtocolVersion.V500;
        var remaining = RemainingLength(version, qos, subscriptionIds, remainingExpiry is not null, topicAlias, omitTopic, out var propertiesLength);
        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, PublishPacket.Header(qos, dup, retain), remaining);
        if (omitTopic)
        {
            span[i++] = 0;
            span[i++] = 0;
        }
        else
        {
            _encoded.AsSpan(0, _topicEnd).CopyTo(span[i..]);
            i += _topicEnd;
        }
        if (qos > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(span[i..], packetId);
            i += 2;
        }
        if (v5)
        {
            i += WireFormat.WriteVariableByteInteger(span[i..], propertiesLength);
            if (remainingExpiry is { } expiry)
            {
                span[i++] = (byte)PropertyId.MessageExpiryInterval;
                BinaryPrimitives.WriteUInt32BigEndian(span[i..], expiry);
                i += 4;
            }
            if (topicAlias != 0)
            {
                span[i++] = (byte)PropertyId.TopicAlias;
                BinaryPrimitives.WriteUInt16BigEndian(span[i..], topicAlias);
                i += 2;
            }
            if (subscriptionIds is not null)
            {
                foreach (var id in subscriptionIds)
                {
                    span[i++] = (byte)PropertyId.SubscriptionIdentifier;
                    i += WireFormat.WriteVariableByteInteger(span[i..], id);
                }
            }
            if (_properties is not null)
            {
                _properties.CopyTo(span[i..]);
                i += _properties.Length;
            }
        }
        _encoded.AsSpan(_topicEnd).CopyTo(span[i..]);
        writer.Advance(i + _encoded.Length - _topicEnd);
    }

    private int RemainingLength(ProtocolVersion version, QualityOfService qos, int[]? subscriptionIds, bool withExpiry, ushort topicAlias, bool omitTopic, out int propertiesLength)
    {
        var remaining = (omitTopic ? 2 : _topicEnd) + (qos > 0 ? 2 : 0) + (_encoded.Length - _topicEnd);
        propertiesLength = 0;
        if (version != ProtocolVersion.V500)
            return remaining;
        propertiesLength = (_properties?.Length ?? 0) + (withExpiry ? 5 : 0) + (topicAlias != 0 ? 3 : 0);
        if (subscriptionIds is not null)
        {
            foreach (var id in subscriptionIds)
                propertiesLength += 1 + WireFormat.VariableByteIntegerSize(id);
        }
        return remaining + WireFormat.VariableByteIntegerSize(propertiesLength) + propertiesLength;
    }
}

using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol;

/// <summary>
/// The MQTT 5 properties of one packet (section 2.2.2). Only packets that carry properties
/// allocate one: readers return null for an empty property list.
///
/// <see cref="Read"/> enforces the table of section 2.2.2.2: a property in a packet that may not
/// carry it, or a second copy of one that may appear once, is a protocol error; an unknown
/// identifier is malformed; so are values outside their range.
/// </summary>
public sealed class Properties
{
    /// <summary>The context bit for will properties, which travel in CONNECT but have their own set.</summary>
    public const int WillContext = 0;

    public byte? PayloadFormatIndicator { get; set; }
    public uint? MessageExpiryInterval { get; set; }
    public string? ContentType { get; set; }
    public string? ResponseTopic { get; set; }
    public byte[]? CorrelationData { get; set; }
    public List<int>? SubscriptionIdentifiers { get; set; }
    public uint? SessionExpiryInterval { get; set; }
    public string? AssignedClientIdentifier { get; set; }
    public ushort? ServerKeepAlive { get; set; }
    public string? AuthenticationMethod { get; set; }
    public byte[]? AuthenticationData { get; set; }
    public byte? RequestProblemInformation { get; set; }
    public uint? WillDelayInterval { get; set; }
    public byte? RequestResponseInformation { get; set; }
    public string? ResponseInformation { get; set; }
    public string? ServerReference { get; set; }
    public string? ReasonString { get; set; }
    public ushort? ReceiveMaximum { get; set; }
    public ushort? TopicAliasMaximum { get; set; }
    public ushort? TopicAlias { get; set; }
    public byte? MaximumQoS { get; set; }
    public byte? RetainAvailable { get; set; }
    public List<UserProperty>? UserProperties { get; set; }
    public uint? MaximumPacketSize { get; set; }
    public byte? WildcardSubscriptionAvailable { get; set; }
    public byte? SubscriptionIdentifierAvailable { get; set; }
    public byte? SharedSubscriptionAvailable { get; set; }

    /// <summary>
    /// Reads a property length and the properties after it. <paramref name="context"/> is the
    /// packet type, or <see cref="WillContext"/> for will properties. Null when the length is 0.
    /// </summary>
    public static Properties? Read(ref SequenceReader<byte> reader, int context)
    {
        var length = WireFormat.ReadVariableByteInteger(ref reader);
        if (length == 0)
            return null;
        if (reader.Remaining < length)
            throw PacketException.Malformed("property length is longer than the packet");
        var end = reader.Consumed + length;
        var properties = new Properties();
        var seen = 0UL;
        while (reader.Consumed < end)
        {
            var identifier = WireFormat.ReadVariableByteInteger(ref reader);
            var id = (PropertyId)identifier;
            var allowed = identifier <= byte.MaxValue ? AllowedContexts(id) : 0;
            if (allowed == 0)
                throw PacketException.Malformed($"unknown property identifier 0x{identifier:X2}");
            if ((allowed & (1 << context)) == 0)
                throw PacketException.Protocol($"property {id} is not allowed in {ContextName(context)}");
            var repeatable = id == PropertyId.UserProperty || (id == PropertyId.SubscriptionIdentifier && context == (int)PacketType.Publish);
            var bit = 1UL << (int)id;
            if ((seen & bit) != 0 && !repeatable)
                throw PacketException.Protocol($"property {id} appears more than once");
            seen |= bit;
            properties.ReadValue(ref reader, id);
        }
        if (reader.Consumed != end)
            throw PacketException.Malformed("properties overrun their length");
        return properties;
    }

    /// <summary>Size of the property length and the properties; 1 for null or empty.</summary>
    public static int SizeOf(Properties? properties)
    {
        var length = properties?.BodyLength() ?? 0;
        return WireFormat.VariableByteIntegerSize(length) + length;
    }

    /// <summary>The properties with their length first, as a packet carries them: for a store that keeps them whole.</summary>
    public static byte[] Encode(Properties properties)
    {
        var length = properties.BodyLength();
        var bytes = new byte[WireFormat.VariableByteIntegerSize(length) + length];
        var i = WireFormat.WriteVariableByteInteger(bytes, length);
        properties.WriteBody(bytes.AsSpan(i));
        return bytes;
    }

    /// <summary>Reads back what <see cref="Encode"/> wrote, as allowed in <paramref name="context"/> (a packet type or <see cref="WillContext"/>).</summary>
    public static Properties? Decode(byte[] encoded, int context)
    {
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(encoded));
        return Read(ref reader, context);
    }

    /// <summary>Writes the property length and the properties; a single 0 for null.</summary>
    public static int Write(Span<byte> destination, Properties? properties)
    {
        if (properties is null)
        {
            destination[0] = 0;
            return 1;
        }
        var i = WireFormat.WriteVariableByteInteger(destination, properties.BodyLength());
        return i + properties.WriteBody(destination[i..]);
    }

    private void ReadValue(ref SequenceReader<byte> reader, PropertyId id)
    {
        switch (id)
        {
            case PropertyId.PayloadFormatIndicator: PayloadFormatIndicator = ReadFlag(ref reader, id); break;
            case PropertyId.MessageExpiryInterval: MessageExpiryInterval = WireFormat.ReadUInt32(ref reader); break;
            case PropertyId.ContentType: ContentType = WireFormat.ReadString(ref reader); break;
            case PropertyId.ResponseTopic:
                ResponseTopic = WireFormat.ReadString(ref reader);
                if (!TopicRules.IsValidTopicName(ResponseTopic))
                    throw PacketException.Protocol("response topic is not a valid topic name"); // [MQTT-3.3.2-14]
                break;
            case PropertyId.CorrelationData: CorrelationData = WireFormat.ReadBinary(ref reader); break;
            case PropertyId.SubscriptionIdentifier:
                var subscriptionId = WireFormat.ReadVariableByteInteger(ref reader);
                if (subscriptionId == 0)
                    throw PacketException.Protocol("subscription identifier is 0"); // section 3.8.2.1.2: 1 to 268,435,455
                (SubscriptionIdentifiers ??= []).Add(subscriptionId);
                break;
            case PropertyId.SessionExpiryInterval: SessionExpiryInterval = WireFormat.ReadUInt32(ref reader); break;
            case PropertyId.AssignedClientIdentifier: AssignedClientIdentifier = WireFormat.ReadString(ref reader); break;
            case PropertyId.ServerKeepAlive: ServerKeepAlive = WireFormat.ReadUInt16(ref reader); break;
            case PropertyId.AuthenticationMethod: AuthenticationMethod = WireFormat.ReadString(ref reader); break;
            case PropertyId.AuthenticationData: AuthenticationData = WireFormat.ReadBinary(ref reader); break;
            case PropertyId.RequestProblemInformation: RequestProblemInformation = ReadFlag(ref reader, id); break;
            case PropertyId.WillDelayInterval: WillDelayInterval = WireFormat.ReadUInt32(ref reader); break;
            case PropertyId.RequestResponseInformation: RequestResponseInformation = ReadFlag(ref reader, id); break;
            case PropertyId.ResponseInformation: ResponseInformation = WireFormat.ReadString(ref reader); break;
            case PropertyId.ServerReference: ServerReference = WireFormat.ReadString(ref reader); break;
            case PropertyId.ReasonString: ReasonString = WireFormat.ReadString(ref reader); break;
            case PropertyId.ReceiveMaximum:
                ReceiveMaximum = WireFormat.ReadUInt16(ref reader);
                if (ReceiveMaximum == 0)
                    throw PacketException.Protocol("receive maximum is 0"); // section 3.1.2.11.3
                break;
            case PropertyId.TopicAliasMaximum: TopicAliasMaximum = WireFormat.ReadUInt16(ref reader); break;
            case PropertyId.TopicAlias:
                TopicAlias = WireFormat.ReadUInt16(ref reader);
                if (TopicAlias == 0)
                    throw PacketException.Protocol("topic alias is 0"); // [MQTT-3.3.2-8]
                break;
            case PropertyId.MaximumQoS: MaximumQoS = ReadFlag(ref reader, id); break;
            case PropertyId.RetainAvailable: RetainAvailable = ReadFlag(ref reader, id); break;
            case PropertyId.UserProperty:
                (UserProperties ??= []).Add(new UserProperty(WireFormat.ReadString(ref reader), WireFormat.ReadString(ref reader)));
                break;
            case PropertyId.MaximumPacketSize:
                MaximumPacketSize = WireFormat.ReadUInt32(ref reader);
                if (MaximumPacketSize == 0)
                    throw PacketException.Protocol("maximum packet size is 0"); // section 3.1.2.11.4
                break;
            case PropertyId.WildcardSubscriptionAvailable: WildcardSubscriptionAvailable = ReadFlag(ref reader, id); break;
            case PropertyId.SubscriptionIdentifierAvailable: SubscriptionIdentifierAvailable = ReadFlag(ref reader, id); break;
            case PropertyId.SharedSubscriptionAvailable: SharedSubscriptionAvailable = ReadFlag(ref reader, id); break;
        }
    }

    private static byte ReadFlag(ref SequenceReader<byte> reader, PropertyId id)
    {
        var value = WireFormat.ReadByte(ref reader);
        if (value > 1)
            throw PacketException.Protocol($"property {id} must be 0 or 1, not {value}");
        return value;
    }

    /// <summary>Encoded size of the properties without the length prefix.</summary>
    public int BodyLength()
    {
        var length = 0;
        if (PayloadFormatIndicator is not null) length += 2;
        if (MessageExpiryInterval is not null) length += 5;
        if (ContentType is not null) length += 1 + WireFormat.StringSize(ContentType);
        if (ResponseTopic is not null) length += 1 + WireFormat.StringSize(ResponseTopic);
        if (CorrelationData is not null) length += 1 + WireFormat.BinarySize(CorrelationData);
        if (SubscriptionIdentifiers is not null)
        {
            foreach (var id in SubscriptionIdentifiers)
                length += 1 + WireFormat.VariableByteIntegerSize(id);
        }
        if (SessionExpiryInterval is not null) length += 5;
        if (AssignedClientIdentifier is not null) length += 1 + WireFormat.StringSize(AssignedClientIdentifier);
        if (ServerKeepAlive is not null) length += 3;
        if (AuthenticationMethod is not null) length += 1 + WireFormat.StringSize(AuthenticationMethod);
        if (AuthenticationData is not null) length += 1 + WireFormat.BinarySize(AuthenticationData);
        if (RequestProblemInformation is not null) length += 2;
        if (WillDelayInterval is not null) length += 5;
        if (RequestResponseInformation is not null) length += 2;
        if (ResponseInformation is not null) length += 1 + WireFormat.StringSize(ResponseInformation);
        if (ServerReference is not null) length += 1 + WireFormat.StringSize(ServerReference);
        if (ReasonString is not null) length += 1 + WireFormat.StringSize(ReasonString);
        if (ReceiveMaximum is not null) length += 3;
        if (TopicAliasMaximum is not null) length += 3;
        if (TopicAlias is not null) length += 3;
        if (MaximumQoS is not null) length += 2;
        if (RetainAvailable is not null) length += 2;
        if (UserProperties is not null)
        {
            foreach (var (name, value) in UserProperties)
                length += 1 + WireFormat.StringSize(name) + WireFormat.StringSize(value);
        }
        if (MaximumPacketSize is not null) length += 5;
        if (WildcardSubscriptionAvailable is not null) length += 2;
        if (SubscriptionIdentifierAvailable is not null) length += 2;
        if (SharedSubscriptionAvailable is not null) length += 2;
        return length;
    }

    /// <summary>Writes the properties without the length prefix.</summary>
    public int WriteBody(Span<byte> destination)
    {
        var w = new PropertyWriter(destination);
        w.Byte(PropertyId.PayloadFormatIndicator, PayloadFormatIndicator);
        w.UInt32(PropertyId.MessageExpiryInterval, MessageExpiryInterval);
        w.String(PropertyId.ContentType, ContentType);
        w.String(PropertyId.ResponseTopic, ResponseTopic);
        w.Binary(PropertyId.CorrelationData, CorrelationData);
        if (SubscriptionIdentifiers is not null)
        {
            foreach (var id in SubscriptionIdentifiers)
                w.VariableByteInteger(PropertyId.SubscriptionIdentifier, id);
        }
        w.UInt32(PropertyId.SessionExpiryInterval, SessionExpiryInterval);
        w.String(PropertyId.AssignedClientIdentifier, AssignedClientIdentifier);
        w.UInt16(PropertyId.ServerKeepAlive, ServerKeepAlive);
        w.String(PropertyId.AuthenticationMethod, AuthenticationMethod);
        w.Binary(PropertyId.AuthenticationData, AuthenticationData);
        w.Byte(PropertyId.RequestProblemInformation, RequestProblemInformation);
        w.UInt32(PropertyId.WillDelayInterval, WillDelayInterval);
        w.Byte(PropertyId.RequestResponseInformation, RequestResponseInformation);
        w.String(PropertyId.ResponseInformation, ResponseInformation);
        w.String(PropertyId.ServerReference, ServerReference);
        w.String(PropertyId.ReasonString, ReasonString);
        w.UInt16(PropertyId.ReceiveMaximum, ReceiveMaximum);
        w.UInt16(PropertyId.TopicAliasMaximum, TopicAliasMaximum);
        w.UInt16(PropertyId.TopicAlias, TopicAlias);
        w.Byte(PropertyId.MaximumQoS, MaximumQoS);
        w.Byte(PropertyId.RetainAvailable, RetainAvailable);
        if (UserProperties is not null)
        {
            foreach (var (name, value) in UserProperties)
                w.Pair(name, value);
        }
        w.UInt32(PropertyId.MaximumPacketSize, MaximumPacketSize);
        w.Byte(PropertyId.WildcardSubscriptionAvailable, WildcardSubscriptionAvailable);
        w.Byte(PropertyId.SubscriptionIdentifierAvailable, SubscriptionIdentifierAvailable);
        w.Byte(PropertyId.SharedSubscriptionAvailable, SharedSubscriptionAvailable);
        return w.Written;
    }

    /// <summary>The contexts (packet type bits, bit 0 for will properties) a property may appear in.</summary>
    private static int AllowedContexts(PropertyId id)
    {
        const int will = 1 << WillContext;
        const int connect = 1 << (int)PacketType.Connect;
        const int connAck = 1 << (int)PacketType.ConnAck;
        const int publish = 1 << (int)PacketType.Publish;
        const int acks = 1 << (int)PacketType.PubAck | 1 << (int)PacketType.PubRec | 1 << (int)PacketType.PubRel | 1 << (int)PacketType.PubComp;
        const int subscribe = 1 << (int)PacketType.Subscribe;
        const int subAck = 1 << (int)PacketType.SubAck;
        const int unsubscribe = 1 << (int)PacketType.Unsubscribe;
        const int unsubAck = 1 << (int)PacketType.UnsubAck;
        const int disconnect = 1 << (int)PacketType.Disconnect;
        const int auth = 1 << (int)PacketType.Auth;
        return id switch
        {
            PropertyId.PayloadFormatIndicator or PropertyId.MessageExpiryInterval or PropertyId.ContentType
                or PropertyId.ResponseTopic or PropertyId.CorrelationData => publish | will,
            PropertyId.SubscriptionIdentifier => publish | subscribe,
            PropertyId.SessionExpiryInterval => connect | connAck | disconnect,
            PropertyId.AssignedClientIdentifier or PropertyId.ServerKeepAlive or PropertyId.ResponseInformation
                or PropertyId.MaximumQoS or PropertyId.RetainAvailable or PropertyId.WildcardSubscriptionAvailable
                or PropertyId.SubscriptionIdentifierAvailable or PropertyId.SharedSubscriptionAvailable => connAck,
            PropertyId.AuthenticationMethod or PropertyId.AuthenticationData => connect | connAck | auth,
            PropertyId.RequestProblemInformation or PropertyId.RequestResponseInformation => connect,
            PropertyId.WillDelayInterval => will,
            PropertyId.ServerReference => connAck | disconnect,
            PropertyId.ReasonString => connAck | acks | subAck | unsubAck | disconnect | auth,
            PropertyId.ReceiveMaximum or PropertyId.TopicAliasMaximum or PropertyId.MaximumPacketSize => connect | connAck,
            PropertyId.TopicAlias => publish,
            PropertyId.UserProperty => will | connect | connAck | publish | acks | subscribe | subAck | unsubscribe | unsubAck | disconnect | auth,
            _ => 0,
        };
    }

    private static string ContextName(int context) => context == WillContext ? "will properties" : ((PacketType)context).ToString();

    private ref struct PropertyWriter(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;

        public int Written { get; private set; }

        public void Byte(PropertyId id, byte? value)
        {
            if (value is null) return;
            _destination[Written++] = (byte)id;
            _destination[Written++] = value.Value;
        }

        public void UInt16(PropertyId id, ushort? value)
        {
            if (value is null) return;
            _destination[Written++] = (byte)id;
            BinaryPrimitives.WriteUInt16BigEndian(_destination[Written..], value.Value);
            Written += 2;
        }

        public void UInt32(PropertyId id, uint? value)
        {
            if (value is null) return;
            _destination[Written++] = (byte)id;
            BinaryPrimitives.WriteUInt32BigEndian(_destination[Written..], value.Value);
            Written += 4;
        }

        public void VariableByteInteger(PropertyId id, int value)
        {
            _destination[Written++] = (byte)id;
            Written += WireFormat.WriteVariableByteInteger(_destination[Written..], value);
        }

        public void String(PropertyId id, string? value)
        {
            if (value is null) return;
            _destination[Written++] = (byte)id;
            Written += WireFormat.WriteString(_destination[Written..], value);
        }

        public void Binary(PropertyId id, byte[]? value)
        {
            if (value is null) return;
            _destination[Written++] = (byte)id;
            Written += WireFormat.WriteBinary(_destination[Written..], value);
        }

        public void Pair(string name, string value)
        {
            _destination[Written++] = (byte)PropertyId.UserProperty;
            Written += WireFormat.WriteString(_destination[Written..], name);
            Written += WireFormat.WriteString(_destination[Written..], value);
        }
    }
}

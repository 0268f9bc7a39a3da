using System.Buffers;
using Herald.Protocol.Packets;
using static Herald.Protocol.Tests.Mqtt5Wire;

namespace Herald.Protocol.Tests;

/// <summary>
/// MQTT 5 properties (section 2.2.2): where each may travel (the table of section 2.2.2.2), how often,
/// which values are allowed, and the property length's bounds.
/// </summary>
public sealed class Mqtt5PropertiesTests
{
    /// <summary>One valid value of every property, and how <see cref="PacketDump.Describe(Properties?)"/> shows it read back.</summary>
    private static readonly (PropertyId Id, byte[] Bytes, string Shown)[] Samples =
    [
        (PropertyId.PayloadFormatIndicator, Byte(PropertyId.PayloadFormatIndicator, 1), "PayloadFormatIndicator=1"),
        (PropertyId.MessageExpiryInterval, UInt32(PropertyId.MessageExpiryInterval, 10), "MessageExpiryInterval=10"),
        (PropertyId.ContentType, Str(PropertyId.ContentType, "text/plain"), "ContentType='text/plain'"),
        (PropertyId.ResponseTopic, Str(PropertyId.ResponseTopic, "reply/1"), "ResponseTopic='reply/1'"),
        (PropertyId.CorrelationData, Bin(PropertyId.CorrelationData, 0x01, 0x02), "CorrelationData=0102"),
        (PropertyId.SubscriptionIdentifier, VarInt(PropertyId.SubscriptionIdentifier, 5), "SubscriptionIdentifiers=[5]"),
        (PropertyId.SessionExpiryInterval, UInt32(PropertyId.SessionExpiryInterval, 60), "SessionExpiryInterval=60"),
        (PropertyId.AssignedClientIdentifier, Str(PropertyId.AssignedClientIdentifier, "auto-1"), "AssignedClientIdentifier='auto-1'"),
        (PropertyId.ServerKeepAlive, UInt16(PropertyId.ServerKeepAlive, 30), "ServerKeepAlive=30"),
        (PropertyId.AuthenticationMethod, Str(PropertyId.AuthenticationMethod, "SCRAM-SHA-1"), "AuthenticationMethod='SCRAM-SHA-1'"),
        (PropertyId.AuthenticationData, Bin(PropertyId.AuthenticationData, 0xAB), "AuthenticationData=AB"),
        (PropertyId.RequestProblemInformation, Byte(PropertyId.RequestProblemInformation, 0), "RequestProblemInformation=0"),
        (PropertyId.WillDelayInterval, UInt32(PropertyId.WillDelayInterval, 5), "WillDelayInterval=5"),
        (PropertyId.RequestResponseInformation, Byte(PropertyId.RequestResponseInformation, 1), "RequestResponseInformation=1"),
        (PropertyId.ResponseInformation, Str(PropertyId.ResponseInformation, "resp/"), "ResponseInformation='resp/'"),
        (PropertyId.ServerReference, Str(PropertyId.ServerReference, "other:1883"), "ServerReference='other:1883'"),
        (PropertyId.ReasonString, Str(PropertyId.ReasonString, "why"), "ReasonString='why'"),
        (PropertyId.ReceiveMaximum, UInt16(PropertyId.ReceiveMaximum, 10), "ReceiveMaximum=10"),
        (PropertyId.TopicAliasMaximum, UInt16(PropertyId.TopicAliasMaximum, 10), "TopicAliasMaximum=10"),
        (PropertyId.TopicAlias, UInt16(PropertyId.TopicAlias, 1), "TopicAlias=1"),
        (PropertyId.MaximumQoS, Byte(PropertyId.MaximumQoS, 1), "MaximumQoS=1"),
        (PropertyId.RetainAvailable, Byte(PropertyId.RetainAvailable, 0), "RetainAvailable=0"),
        (PropertyId.UserProperty, User("k", "v"), "UserProperties=[UserProperty { Name = k, Value = v }]"),
        (PropertyId.MaximumPacketSize, UInt32(PropertyId.MaximumPacketSize, 4096), "MaximumPacketSize=4096"),
        (PropertyId.WildcardSubscriptionAvailable, Byte(PropertyId.WildcardSubscriptionAvailable, 0), "WildcardSubscriptionAvailable=0"),
        (PropertyId.SubscriptionIdentifierAvailable, Byte(PropertyId.SubscriptionIdentifierAvailable, 1), "SubscriptionIdentifierAvailable=1"),
        (PropertyId.SharedSubscriptionAvailable, Byte(PropertyId.SharedSubscriptionAvailable, 0), "SharedSubscriptionAvailable=0"),
    ];

    /// <summary>The table of section 2.2.2.2, written out from the specification, not from the codec.</summary>
    private static Place[] AllowedPlaces(PropertyId id) => id switch
    {
        PropertyId.PayloadFormatIndicator or PropertyId.MessageExpiryInterval or PropertyId.ContentType
            or PropertyId.ResponseTopic or PropertyId.CorrelationData => [Place.Publish, Place.Will],
        PropertyId.SubscriptionIdentifier => [Place.Publish, Place.Subscribe],
        PropertyId.SessionExpiryInterval => [Place.Connect, Place.ConnAck, Place.Disconnect],
        PropertyId.AssignedClientIdentifier or PropertyId.ServerKeepAlive or PropertyId.ResponseInformation
            or PropertyId.MaximumQoS or PropertyId.RetainAvailable or PropertyId.WildcardSubscriptionAvailable
            or PropertyId.SubscriptionIdentifierAvailable or PropertyId.SharedSubscriptionAvailable => [Place.ConnAck],
        PropertyId.AuthenticationMethod or PropertyId.AuthenticationData => [Place.Connect, Place.ConnAck, Place.Auth],
        PropertyId.RequestProblemInformation or PropertyId.RequestResponseInformation => [Place.Connect],
        PropertyId.WillDelayInterval => [Place.Will],
        PropertyId.ServerReference => [Place.ConnAck, Place.Disconnect],
        PropertyId.ReasonString =>
        [
            Place.ConnAck, Place.PubAck, Place.PubRec, Place.PubRel, Place.PubComp,
            Place.SubAck, Place.UnsubAck, Place.Disconnect, Place.Auth,
        ],
        PropertyId.ReceiveMaximum or PropertyId.TopicAliasMaximum or PropertyId.MaximumPacketSize => [Place.Connect, Place.ConnAck],
        PropertyId.TopicAlias => [Place.Publish],
        PropertyId.UserProperty => Enum.GetValues<Place>(),
        _ => [],
    };

    public static TheoryData<Place> Places() => new(Enum.GetValues<Place>());

    [Fact]
    public void Samples_cover_every_property_identifier() =>
        Assert.Equal(Enum.GetValues<PropertyId>(), Samples.Select(s => s.Id));

    [Theory]
    [MemberData(nameof(Places))]
    public void Every_property_is_accepted_where_section_2_2_2_2_allows_it_and_is_a_protocol_error_elsewhere(Place place)
    {
        var failures = new List<string>();
        foreach (var (id, bytes, shown) in Samples)
        {
            var packet = PacketWith(place, Props(bytes));
            var allowed = AllowedPlaces(id).Contains(place);
            try
            {
                var read = PacketDump.Describe(ReadProperties(place, packet));
                if (!allowed)
                    failures.Add($"{id} was accepted");
                else if (read != $"props={{{shown}}}")
                    failures.Add($"{id} read back as {read}");
            }
            catch (PacketException e)
            {
                if (allowed || e.Error != PacketError.ProtocolError)
                    failures.Add($"{id} was refused as {e.Error}: {e.Message}");
            }
        }

        Assert.Empty(failures);
    }

    [Theory]
    [MemberData(nameof(Places))]
    public void Property_that_may_appear_once_is_a_protocol_error_twice(Place place)
    {
        var failures = new List<string>();
        foreach (var (id, bytes, _) in Samples)
        {
            // User Property may repeat anywhere; Subscription Identifier only in PUBLISH (section 3.3.2.3.8).
            var repeatable = id == PropertyId.UserProperty || (id == PropertyId.SubscriptionIdentifier && place == Place.Publish);
            if (!AllowedPlaces(id).Contains(place) || repeatable)
                continue;
            var packet = PacketWith(place, Props(bytes, bytes));
            try
            {
                ReadProperties(place, packet);
                failures.Add($"{id} twice was accepted");
            }
            catch (PacketException e)
            {
                if (e.Error != PacketError.ProtocolError)
                    failures.Add($"{id} twice was refused as {e.Error}: {e.Message}");
            }
        }

        Assert.Empty(failures);
    }

    [Theory]
    [MemberData(nameof(Places))]
    public void User_property_may_repeat_in_every_packet_and_keeps_its_order(Place place)
    {
        var packet = PacketWith(place, Props(User("a", "1"), User("b", "2"), User("a", "3")));

        var read = ReadProperties(place, packet);

        Assert.NotNull(read);
        Assert.Equal([new("a", "1"), new("b", "2"), new("a", "3")], read.UserProperties!);
    }

    [Fact]
    public void Subscription_identifier_may_repeat_in_publish_and_keeps_its_order()
    {
        var packet = PacketWith(Place.Publish, Props(
            VarInt(PropertyId.SubscriptionIdentifier, 7),
            VarInt(PropertyId.SubscriptionIdentifier, 268_435_455),
            VarInt(PropertyId.SubscriptionIdentifier, 1)));

        var read = ReadProperties(Place.Publish, packet);

        Assert.Equal([7, 268_435_455, 1], read!.SubscriptionIdentifiers!);
    }

    public static TheoryData<Place, byte[]> NotAllowedExamples() => new()
    {
        // Topic Alias is a PUBLISH property; a client asks for aliases with Topic Alias Maximum.
        { Place.Connect, UInt16(PropertyId.TopicAlias, 1) },
        // Session Expiry Interval belongs to the connection, not to a message.
        { Place.Publish, UInt32(PropertyId.SessionExpiryInterval, 60) },
        // Will Delay Interval is a will property, not a CONNECT property.
        { Place.Connect, UInt32(PropertyId.WillDelayInterval, 5) },
        // Server Keep Alive is sent by the server in CONNACK only.
        { Place.Connect, UInt16(PropertyId.ServerKeepAlive, 30) },
        { Place.Will, UInt16(PropertyId.TopicAlias, 1) },
        { Place.Will, UInt32(PropertyId.SessionExpiryInterval, 60) },
        { Place.Publish, Str(PropertyId.ReasonString, "why") },
        { Place.Unsubscribe, VarInt(PropertyId.SubscriptionIdentifier, 1) },
        { Place.Auth, UInt32(PropertyId.SessionExpiryInterval, 60) },
        { Place.Disconnect, Str(PropertyId.AuthenticationMethod, "SCRAM-SHA-1") },
    };

    [Theory]
    [MemberData(nameof(NotAllowedExamples))]
    public void Property_not_allowed_in_its_packet_is_a_protocol_error(Place place, byte[] property)
    {
        var packet = PacketWith(place, Props(property));

        Expect.Error(PacketError.ProtocolError, () => ReadProperties(place, packet));
    }

    [Theory]
    [InlineData("00")]
    [InlineData("04")]
    [InlineData("0A")]
    [InlineData("10")]
    [InlineData("14")]
    [InlineData("1B")]
    [InlineData("1E")]
    [InlineData("20")]
    [InlineData("2B")]
    [InlineData("7F")]
    [InlineData("80 01")] // 128
    public void Unknown_property_identifier_is_malformed(string identifier)
    {
        // Section 2.2.2.2 lists every identifier; any other cannot be parsed, since its value's length is unknown.
        var packet = PacketWith(Place.Publish, Props([.. Wire.Hex(identifier), 0x01, 0x00, 0x00, 0x00, 0x00]));

        Expect.Malformed(() => ReadProperties(Place.Publish, packet));
    }

    [Theory]
    [InlineData("81 02 01")] // 257, whose low byte is Payload Format Indicator
    [InlineData("A3 02 00 01")] // 291, whose low byte is Topic Alias
    [InlineData("A6 82 01 00 01 6B 00 01 76")] // 16678, whose low byte is User Property
    public void Property_identifier_above_255_is_unknown_not_truncated_to_a_byte(string property)
    {
        // The identifier is a variable byte integer (section 2.2.2.2): 257 is not 0x01.
        var packet = PacketWith(Place.Publish, Props(Wire.Hex(property)));

        Expect.Malformed(() => ReadProperties(Place.Publish, packet));
    }

    [Theory]
    [MemberData(nameof(Places))]
    public void Property_length_longer_than_the_packet_is_malformed(Place place)
    {
        // A property length of 100 with one five-byte user property after it, and far fewer bytes left.
        var packet = PacketWith(place, [100, .. User("", "")]);

        Expect.Malformed(() => ReadProperties(place, packet));
    }

    [Theory]
    [InlineData(Place.ConnAck, "1F 00 03 77 68 79")]
    [InlineData(Place.Publish, "03 00 03 77 68 79")]
    [InlineData(Place.SubAck, "1F 00 03 77 68 79")]
    [InlineData(Place.Disconnect, "26 00 01 6B 00 01 76")]
    public void Property_that_runs_past_the_property_length_is_malformed(Place place, string property)
    {
        // The property length says 2, but the string property after it is longer; the packet goes on, so its bytes exist.
        var packet = PacketWith(place, [0x02, .. Wire.Hex(property)]);

        Expect.Malformed(() => ReadProperties(place, packet));
    }

    [Theory]
    [InlineData("E0 03 00 01 11")] // Session Expiry Interval with no value
    [InlineData("E0 05 00 03 11 00 00")] // Session Expiry Interval with two of its four bytes
    [InlineData("E0 06 00 04 1F 00 05 61")] // Reason String of 5 bytes with one
    [InlineData("E0 06 00 04 26 00 01 6B")] // User Property with a name and no value
    public void Property_value_cut_short_by_the_end_of_the_packet_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));

        Expect.Malformed(() => ReasonPacket.Read(header, body, ProtocolVersion.V500));
    }

    [Fact]
    public void Property_length_of_five_bytes_is_malformed()
    {
        // Section 1.5.5: a variable byte integer has at most four bytes.
        var packet = PacketWith(Place.Disconnect, Wire.Hex("80 80 80 80 01"));

        Expect.Malformed(() => ReadProperties(Place.Disconnect, packet));
    }

    public static TheoryData<Place, byte[]> OutOfRange() => new()
    {
        { Place.Publish, Byte(PropertyId.PayloadFormatIndicator, 2) },
        { Place.Will, Byte(PropertyId.PayloadFormatIndicator, 2) },
        { Place.Connect, Byte(PropertyId.RequestProblemInformation, 2) },
        { Place.Connect, Byte(PropertyId.RequestResponseInformation, 2) },
        { Place.Connect, UInt16(PropertyId.ReceiveMaximum, 0) },
        { Place.ConnAck, UInt16(PropertyId.ReceiveMaximum, 0) },
        { Place.Connect, UInt32(PropertyId.MaximumPacketSize, 0) },
        { Place.ConnAck, UInt32(PropertyId.MaximumPacketSize, 0) },
        { Place.Publish, VarInt(PropertyId.SubscriptionIdentifier, 0) },
        { Place.Subscribe, VarInt(PropertyId.SubscriptionIdentifier, 0) },
        { Place.ConnAck, Byte(PropertyId.MaximumQoS, 2) },
        { Place.ConnAck, Byte(PropertyId.RetainAvailable, 2) },
        { Place.ConnAck, Byte(PropertyId.WildcardSubscriptionAvailable, 2) },
        { Place.ConnAck, Byte(PropertyId.SubscriptionIdentifierAvailable, 2) },
        { Place.ConnAck, Byte(PropertyId.SharedSubscriptionAvailable, 2) },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public void Property_value_out_of_its_range_is_a_protocol_error(Place place, byte[] property)
    {
        var packet = PacketWith(place, Props(property));

        Expect.Error(PacketError.ProtocolError, () => ReadProperties(place, packet));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-8")]
    public void Topic_alias_0_is_a_protocol_error()
    {
        var packet = PacketWith(Place.Publish, Props(UInt16(PropertyId.TopicAlias, 0)));

        Expect.Error(PacketError.ProtocolError, () => ReadProperties(Place.Publish, packet));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.2-14")]
    [InlineData(Place.Publish, "reply/+")]
    [InlineData(Place.Publish, "reply/#")]
    [InlineData(Place.Publish, "#")]
    [InlineData(Place.Will, "+/reply")]
    public void Response_topic_with_a_wildcard_is_a_protocol_error(Place place, string topic)
    {
        var packet = PacketWith(place, Props(Str(PropertyId.ResponseTopic, topic)));

        Expect.Error(PacketError.ProtocolError, () => ReadProperties(place, packet));
    }

    [Theory]
    [InlineData(Place.Publish, "01 00", "PayloadFormatIndicator=0")]
    [InlineData(Place.Publish, "02 FF FF FF FF", "MessageExpiryInterval=4294967295")]
    [InlineData(Place.Publish, "0B FF FF FF 7F", "SubscriptionIdentifiers=[268435455]")]
    [InlineData(Place.Publish, "23 FF FF", "TopicAlias=65535")]
    [InlineData(Place.Connect, "21 00 01", "ReceiveMaximum=1")]
    [InlineData(Place.Connect, "21 FF FF", "ReceiveMaximum=65535")]
    [InlineData(Place.Connect, "27 00 00 00 01", "MaximumPacketSize=1")]
    [InlineData(Place.Connect, "27 FF FF FF FF", "MaximumPacketSize=4294967295")]
    [InlineData(Place.Connect, "17 01", "RequestProblemInformation=1")]
    [InlineData(Place.Connect, "22 00 00", "TopicAliasMaximum=0")]
    [InlineData(Place.ConnAck, "24 00", "MaximumQoS=0")]
    public void Property_value_at_the_edge_of_its_range_is_accepted(Place place, string property, string shown)
    {
        var read = ReadProperties(place, PacketWith(place, Props(Wire.Hex(property))));

        Assert.Equal($"props={{{shown}}}", PacketDump.Describe(read));
    }

    [Theory]
    [Trait("Spec", "MQTT-1.5.4-1")]
    [InlineData("1F 00 02 C3 28")] // Reason String with a broken two-byte sequence
    [InlineData("1F 00 03 ED A0 80")] // Reason String holding the surrogate U+D800
    [InlineData("26 00 01 FF 00 01 76")] // User Property name 0xFF
    public void Property_string_that_is_not_well_formed_utf8_is_malformed(string property)
    {
        var packet = PacketWith(Place.Disconnect, Props(Wire.Hex(property)));

        Expect.Malformed(() => ReadProperties(Place.Disconnect, packet));
    }

    [Theory]
    [Trait("Spec", "MQTT-1.5.4-2")]
    [InlineData("1F 00 03 61 00 62")]
    [InlineData("26 00 01 6B 00 01 00")]
    public void Property_string_holding_u0000_is_malformed(string property)
    {
        var packet = PacketWith(Place.Disconnect, Props(Wire.Hex(property)));

        Expect.Malformed(() => ReadProperties(Place.Disconnect, packet));
    }

    [Theory]
    [MemberData(nameof(Places))]
    public void Property_length_0_reads_as_no_properties(Place place) =>
        Assert.Null(ReadProperties(place, PacketWith(place, [0x00])));

    [Fact]
    public void Null_properties_are_written_as_a_single_zero_length() =>
        Assert.Equal([0x00], Write(null));

    [Fact]
    public void Properties_with_nothing_set_are_written_as_a_single_zero_length() =>
        Assert.Equal([0x00], Write(new Properties()));

    [Fact]
    public void User_properties_are_written_in_order_with_repeated_names()
    {
        var properties = new Properties { UserProperties = [new("a", "1"), new("a", "2"), new("b", "")] };

        // length 20 | 26 "a" "1" | 26 "a" "2" | 26 "b" ""
        Assert.Equal(Wire.Hex("14 26 0001 61 0001 31 26 0001 61 0001 32 26 0001 62 0000"), Write(properties));
    }

    [Fact]
    public void Property_length_above_127_takes_a_two_byte_variable_byte_integer()
    {
        var properties = new Properties { ReasonString = new string('r', 200) };

        var bytes = Write(properties);

        // 1 + 2 + 200 = 203 = 0xCB 0x01 as a variable byte integer.
        Assert.Equal(Wire.Hex("CB 01 1F 00 C8"), bytes[..5]);
        Assert.Equal(205, bytes.Length);
        Assert.Equal(205, Properties.SizeOf(properties));
    }

    [Fact]
    public void Written_size_matches_what_is_written()
    {
        var properties = new Properties
        {
            PayloadFormatIndicator = 1,
            MessageExpiryInterval = 60,
            ContentType = "application/json",
            ResponseTopic = "reply/ü",
            CorrelationData = [1, 2, 3],
            SubscriptionIdentifiers = [1, 128, 16_384, 2_097_152],
            TopicAlias = 9,
            UserProperties = [new("k", "v")],
        };

        Assert.Equal(Properties.SizeOf(properties), Write(properties).Length);
    }

    private static byte[] Write(Properties? properties)
    {
        var buffer = new byte[Properties.SizeOf(properties) + 16];
        var written = Properties.Write(buffer, properties);
        return buffer[..written];
    }

    [Fact]
    public void Properties_read_from_a_buffer_split_at_every_byte_are_the_same()
    {
        var bytes = Props(
            Str(PropertyId.ContentType, "text/ü"),
            Bin(PropertyId.CorrelationData, 1, 2, 3, 4),
            VarInt(PropertyId.SubscriptionIdentifier, 2_097_152),
            User("name", "value"));
        var expected = Describe(new ReadOnlySequence<byte>(bytes));

        for (var at = 0; at <= bytes.Length; at++)
            Assert.Equal(expected, Describe(Sequences.SplitAt(bytes, at)));
        Assert.Equal(expected, Describe(Sequences.OneBytePerSegment(bytes)));
        Assert.Contains("CorrelationData=01020304", expected, StringComparison.Ordinal);
    }

    private static string Describe(ReadOnlySequence<byte> bytes)
    {
        var reader = new SequenceReader<byte>(bytes);
        var properties = Properties.Read(ref reader, (int)PacketType.Publish);
        Assert.True(reader.End);
        return PacketDump.Describe(properties);
    }
}

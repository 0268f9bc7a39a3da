using Herald.Protocol.Packets;
using static Herald.Protocol.Tests.Mqtt5Wire;

namespace Herald.Protocol.Tests;

/// <summary>
/// MQTT 5 SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (sections 3.8 - 3.11): subscription options,
/// subscription identifiers, and a reason code per filter.
/// </summary>
public sealed class Mqtt5SubscribeTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    private static SubscribePacket ReadSubscribe(byte[] packet)
    {
        var (header, body) = Wire.Frame(packet);
        return SubscribePacket.Read(header, body, V5);
    }

    /// <summary>A SUBSCRIBE with packet id 1, no properties, and one filter with this options byte.</summary>
    private static byte[] SubscribeWithOptions(string filter, byte options) =>
        Wire.Packet(0x82, [0x00, 0x01, 0x00], Wire.Str(filter), [options]);

    [Theory]
    [InlineData(QualityOfService.AtMostOnce, false, false, 0, 0x00)]
    [InlineData(QualityOfService.AtLeastOnce, true, false, 0, 0x05)]
    [InlineData(QualityOfService.ExactlyOnce, false, true, 0, 0x0A)]
    [InlineData(QualityOfService.AtMostOnce, false, false, 1, 0x10)]
    [InlineData(QualityOfService.AtLeastOnce, false, false, 2, 0x21)]
    [InlineData(QualityOfService.ExactlyOnce, true, true, 2, 0x2E)]
    [InlineData(QualityOfService.AtLeastOnce, true, true, 1, 0x1D)]
    public void Subscription_options_round_trip_through_their_byte(
        QualityOfService qos, bool noLocal, bool retainAsPublished, int retainHandling, int optionsByte)
    {
        // Section 3.8.3.1: bits 0-1 QoS, bit 2 No Local, bit 3 Retain As Published, bits 4-5 Retain Handling.
        var subscription = new TopicSubscription("a/+", qos)
        {
            NoLocal = noLocal,
            RetainAsPublished = retainAsPublished,
            RetainHandling = (byte)retainHandling,
        };
        var bytes = Encode(new SubscribePacket(9, [subscription]).WriteTo);

        var read = ReadSubscribe(bytes);

        Assert.Equal(optionsByte, bytes[^1]);
        Assert.Equal(subscription, Assert.Single(read.Subscriptions));
    }

    [Fact]
    public void Subscribe_with_a_subscription_identifier_and_user_properties_round_trips()
    {
        var sent = new SubscribePacket(0x1234,
        [
            new TopicSubscription("sensors/+/temp", QualityOfService.AtLeastOnce) { NoLocal = true },
            new TopicSubscription("$share/workers/jobs/#", QualityOfService.ExactlyOnce) { RetainHandling = 2 },
            new TopicSubscription("status", QualityOfService.AtMostOnce) { RetainAsPublished = true, RetainHandling = 1 },
        ])
        {
            Properties = new Properties { SubscriptionIdentifiers = [268_435_455], UserProperties = [new("a", "1"), new("a", "2")] },
        };

        var read = ReadSubscribe(Encode(sent.WriteTo));

        Assert.Equal(0x1234, read.PacketId);
        Assert.Equal(sent.Subscriptions, read.Subscriptions);
        Assert.Equal([268_435_455], read.Properties!.SubscriptionIdentifiers!);
        Assert.Equal(sent.Properties.UserProperties, read.Properties.UserProperties);
    }

    [Fact]
    public void Subscribe_with_a_subscription_identifier_is_written_as_the_spec_lays_it_out()
    {
        var packet = new SubscribePacket(1, [new TopicSubscription("t", QualityOfService.AtLeastOnce) { NoLocal = true, RetainAsPublished = true, RetainHandling = 2 }])
        {
            Properties = new Properties { SubscriptionIdentifiers = [7] },
        };

        // 0x82 | remaining 9 | packet id 1 | properties, length 2: 0x0B subscription identifier 7 | "t" | options 0x2D
        Assert.Equal(Wire.Hex("82 09 00 01 02 0B 07 00 01 74 2D"), Encode(packet.WriteTo));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.8.3-5")]
    [InlineData(0x40)]
    [InlineData(0x80)]
    [InlineData(0xC1)]
    [InlineData(0x6D)]
    public void Subscription_options_with_reserved_bits_6_or_7_set_are_malformed(byte options) =>
        Expect.Malformed(() => ReadSubscribe(SubscribeWithOptions("t", options)));

    [Theory]
    [InlineData(0x30)]
    [InlineData(0x31)]
    [InlineData(0x3E)]
    public void Retain_handling_3_is_a_protocol_error(byte options) =>
        Expect.Error(PacketError.ProtocolError, () => ReadSubscribe(SubscribeWithOptions("t", options)));

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x0F)]
    public void Subscription_qos_3_is_a_protocol_error(byte options) =>
        Expect.Error(PacketError.ProtocolError, () => ReadSubscribe(SubscribeWithOptions("t", options)));

    [Theory]
    [Trait("Spec", "MQTT-3.8.3-4")]
    [InlineData("$share/g/t")]
    [InlineData("$share/group/sport/#")]
    public void No_local_on_a_shared_subscription_is_a_protocol_error(string filter) =>
        Expect.Error(PacketError.ProtocolError, () => ReadSubscribe(SubscribeWithOptions(filter, 0x05)));

    [Theory]
    [InlineData("$share/g/t", 0x01)] // shared, without No Local
    [InlineData("g/t", 0x05)] // No Local, not shared
    [InlineData("$SHARE/g/t", 0x05)] // "$share" is case sensitive: this is an ordinary filter
    public void No_local_is_refused_only_on_a_shared_subscription(string filter, byte options)
    {
        var read = ReadSubscribe(SubscribeWithOptions(filter, options));

        Assert.Equal(filter, Assert.Single(read.Subscriptions).Filter);
    }

    [Fact]
    public void Subscription_identifier_twice_in_subscribe_is_a_protocol_error()
    {
        var packet = Wire.Packet(0x82, [0x00, 0x01], Props(VarInt(PropertyId.SubscriptionIdentifier, 1), VarInt(PropertyId.SubscriptionIdentifier, 2)), Wire.Str("t"), [0x00]);

        Expect.Error(PacketError.ProtocolError, () => ReadSubscribe(packet));
    }

    [Fact]
    public void Subscribe_in_5_without_a_property_length_is_malformed()
    {
        // A 3.1.1 layout: the filter's first length byte (0x00) is taken as the property length, then
        // the filter length becomes 0x01 0x74 and runs past the packet.
        Expect.Malformed(() => ReadSubscribe(Wire.Hex("82 06 00 01 00 01 74 00")));
    }

    [Fact]
    public void Subscribe_with_properties_and_no_filter_is_malformed()
    {
        Expect.Malformed(() => ReadSubscribe(Wire.Packet(0x82, [0x00, 0x01], Props(VarInt(PropertyId.SubscriptionIdentifier, 1)))));
    }

    private static readonly byte[] SubAckCodes = [0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2];

    [Fact]
    public void Suback_with_every_reason_code_and_a_reason_string_round_trips()
    {
        // 0x00-0x02 granted QoS; 0x80 unspecified; 0x83 implementation specific; 0x87 not authorized;
        // 0x8F topic filter invalid; 0x91 packet id in use; 0x97 quota; 0x9E shared subscriptions,
        // 0xA1 subscription identifiers, 0xA2 wildcard subscriptions not supported.
        var sent = new SubAckPacket(42, SubAckCodes) { Properties = new Properties { ReasonString = "partly", UserProperties = [new("k", "v")] } };

        var (header, body) = Wire.Frame(Encode(sent.WriteTo));
        var read = SubAckPacket.Read(header, body, V5);

        Assert.Equal(42, read.PacketId);
        Assert.Equal(SubAckCodes, read.ReturnCodes);
        Assert.Equal("partly", read.Properties?.ReasonString);
        Assert.Equal([new("k", "v")], read.Properties!.UserProperties!);
    }

    [Fact]
    public void Suback_is_written_as_the_spec_lays_it_out()
    {
        var packet = new SubAckPacket(1, [0x01, 0xA2]) { Properties = new Properties { ReasonString = "no" } };

        // 0x90 | remaining 10 | packet id 1 | properties, length 5: 0x1F "no" | granted QoS 1, 0xA2
        Assert.Equal(Wire.Hex("90 0A 00 01 05 1F 00 02 6E 6F 01 A2"), Encode(packet.WriteTo));
    }

    [Fact]
    public void Suback_without_properties_is_written_with_a_zero_property_length() =>
        Assert.Equal(Wire.Hex("90 04 00 01 00 8F"), Encode(new SubAckPacket(1, [0x8F]).WriteTo));

    [Theory]
    [InlineData(0x03)]
    [InlineData(0x10)]
    [InlineData(0x7F)]
    public void Suback_code_between_granted_qos_and_0x80_is_malformed(byte code)
    {
        var (header, body) = Wire.Frame(Wire.Packet(0x90, [0x00, 0x01, 0x00, code]));

        Expect.Malformed(() => SubAckPacket.Read(header, body, V5));
    }

    [Fact]
    public void Suback_code_0x87_is_malformed_in_3_1_1()
    {
        // 3.1.1 knows 0x80 as its only failure code [MQTT-3.9.3-2]; 0x87 exists only in 5.0.
        var (header, body) = Wire.Frame(Wire.Hex("90 03 00 01 87"));

        Expect.Malformed(() => SubAckPacket.Read(header, body, ProtocolVersion.V311));
    }

    [Fact]
    public void Unsubscribe_with_user_properties_round_trips()
    {
        var sent = new UnsubscribePacket(77, ["a/+", "$share/g/b/#", "ü"])
        {
            Properties = new Properties { UserProperties = [new("reason", "done"), new("reason", "idle")] },
        };

        var (header, body) = Wire.Frame(Encode(sent.WriteTo));
        var read = UnsubscribePacket.Read(header, body, V5);

        Assert.Equal(77, read.PacketId);
        Assert.Equal(sent.Filters, read.Filters);
        Assert.Equal(sent.Properties.UserProperties, read.Properties!.UserProperties);
    }

    [Fact]
    public void Unsubscribe_is_written_as_the_spec_lays_it_out()
    {
        var packet = new UnsubscribePacket(2, ["t"]) { Properties = new Properties { UserProperties = [new("k", "v")] } };

        // 0xA2 | remaining 13 | packet id 2 | properties, length 7: 0x26 "k" "v" | "t"
        Assert.Equal(Wire.Hex("A2 0D 00 02 07 26 00 01 6B 00 01 76 00 01 74"), Encode(packet.WriteTo));
    }

    [Fact]
    public void Unsubscribe_with_a_subscription_identifier_is_a_protocol_error()
    {
        var packet = Wire.Packet(0xA2, [0x00, 0x01], Props(VarInt(PropertyId.SubscriptionIdentifier, 1)), Wire.Str("t"));
        var (header, body) = Wire.Frame(packet);

        Expect.Error(PacketError.ProtocolError, () => UnsubscribePacket.Read(header, body, V5));
    }

    private static readonly byte[] UnsubAckCodes = [0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91];

    [Fact]
    public void Unsuback_with_reason_codes_and_a_reason_string_round_trips()
    {
        // 0x00 success; 0x11 no subscription existed; then the failures section 3.11.3 lists.
        var sent = new UnsubAckPacket(77) { ReasonCodes = UnsubAckCodes, Properties = new Properties { ReasonString = "mixed" } };

        var (header, body) = Wire.Frame(Encode(sent.WriteTo));
        var read = UnsubAckPacket.Read(header, body, V5);

        Assert.Equal(77, read.PacketId);
        Assert.Equal(UnsubAckCodes, read.ReasonCodes);
        Assert.Equal("mixed", read.Properties?.ReasonString);
    }

    [Fact]
    public void Unsuback_is_written_as_the_spec_lays_it_out()
    {
        var packet = new UnsubAckPacket(5) { ReasonCodes = [0x00, 0x11] };

        // 0xB0 | remaining 5 | packet id 5 | no properties | success, no subscription existed
        Assert.Equal(Wire.Hex("B0 05 00 05 00 00 11"), Encode(packet.WriteTo));
    }

    [Fact]
    public void Unsuback_written_for_3_1_1_is_the_packet_id_alone()
    {
        var packet = new UnsubAckPacket(5) { ReasonCodes = [0x11], Properties = new Properties { ReasonString = "x" } };

        Assert.Equal(Wire.Hex("B0 02 00 05"), Wire.Encode(writer => packet.WriteTo(writer, ProtocolVersion.V311)));
    }

    [Fact]
    public void Unsuback_in_5_without_a_reason_code_is_refused()
    {
        // Section 3.11.3: one reason code per filter of the UNSUBSCRIBE, so at least one.
        var (header, body) = Wire.Frame(Wire.Hex("B0 03 00 05 00"));

        Assert.Throws<PacketException>(() => UnsubAckPacket.Read(header, body, V5));
    }

    [Fact]
    public void Unsuback_in_5_of_the_3_1_1_two_byte_form_is_malformed()
    {
        // The property length is not optional in a 5.0 UNSUBACK.
        var (header, body) = Wire.Frame(Wire.Hex("B0 02 00 05"));

        Expect.Malformed(() => UnsubAckPacket.Read(header, body, V5));
    }
}

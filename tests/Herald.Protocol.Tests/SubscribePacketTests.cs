using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>SUBSCRIBE (section 3.8).</summary>
public sealed class SubscribePacketTests
{
    [Fact]
    public void Subscribe_round_trips()
    {
        TopicSubscription[] subscriptions =
        [
            new("sport/tennis/+", QualityOfService.AtMostOnce),
            new("#", QualityOfService.AtLeastOnce),
            new("$SYS/broker/#", QualityOfService.ExactlyOnce),
            new("ü/+/€", QualityOfService.AtLeastOnce),
        ];
        var sent = new SubscribePacket(0x4242, subscriptions);

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));
        var read = SubscribePacket.Read(header, body);

        Assert.Equal(0x4242, read.PacketId);
        Assert.Equal(subscriptions, read.Subscriptions);
    }

    [Fact]
    public void Subscribe_is_written_as_the_spec_lays_it_out()
    {
        var packet = new SubscribePacket(1, [new("a/+", QualityOfService.AtLeastOnce), new("#", QualityOfService.AtMostOnce)]);

        // 0x82: SUBSCRIBE with flags 0010 | remaining 12 | id 1 | "a/+" QoS 1 | "#" QoS 0
        Assert.Equal(Wire.Hex("82 0C 00 01 00 03 61 2F 2B 01 00 01 23 00"), Wire.Encode(packet.WriteTo));
    }

    [Theory]
    [InlineData("#")]
    [InlineData("+")]
    [InlineData("+/+")]
    [InlineData("/+")]
    [InlineData("+/")]
    [InlineData("sport/#")]
    [InlineData("sport/tennis/+/x")]
    [InlineData("+/tennis/#")]
    [InlineData("a//b")]
    public void Subscribe_accepts_valid_filters(string filter)
    {
        var (header, body) = Wire.Frame(Wire.Packet(0x82, [0x00, 0x01], Wire.Str(filter), [0x02]));

        var read = SubscribePacket.Read(header, body);

        Assert.Equal(new TopicSubscription(filter, QualityOfService.ExactlyOnce), Assert.Single(read.Subscriptions));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.8.3-3")]
    public void Subscribe_with_no_filters_is_malformed()
    {
        // [MQTT-3.8.3-3] the payload of a SUBSCRIBE contains at least one topic filter / QoS pair.
        var (header, body) = Wire.Frame(Wire.Hex("82 02 00 01"));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.8.3-4")]
    [InlineData(0x03)]
    [InlineData(0x04)]
    [InlineData(0x81)]
    [InlineData(0xFC)]
    [InlineData(0xFF)]
    public void Subscribe_with_reserved_bits_in_requested_qos_is_malformed(byte requested)
    {
        // [MQTT-3.8.3-4] the upper six bits of the requested QoS byte are 0, and QoS 3 does not exist.
        var (header, body) = Wire.Frame(Wire.Packet(0x82, [0x00, 0x01], Wire.Str("a/b"), [requested]));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [InlineData("a/#/b")]
    [InlineData("#a")]
    [InlineData("a#")]
    [InlineData("sport/tennis#")]
    [InlineData("#/")]
    [InlineData("##")]
    public void Subscribe_with_misplaced_multi_level_wildcard_is_malformed(string filter)
    {
        // [MQTT-4.7.1-2] '#' stands alone in the last level of a filter.
        var (header, body) = Wire.Frame(Wire.Packet(0x82, [0x00, 0x01], Wire.Str(filter), [0x00]));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-3")]
    [InlineData("a+")]
    [InlineData("+a")]
    [InlineData("sport+")]
    [InlineData("a/+b/c")]
    [InlineData("++")]
    public void Subscribe_with_single_level_wildcard_not_alone_in_its_level_is_malformed(string filter)
    {
        // [MQTT-4.7.1-3] '+' occupies a whole level of a filter.
        var (header, body) = Wire.Frame(Wire.Packet(0x82, [0x00, 0x01], Wire.Str(filter), [0x00]));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.7.3-1")]
    public void Subscribe_with_an_empty_filter_is_malformed()
    {
        // [MQTT-4.7.3-1] topic filters are at least one character long.
        var (header, body) = Wire.Frame(Wire.Packet(0x82, [0x00, 0x01], Wire.Str(""), [0x00]));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Fact]
    [Trait("Spec", "MQTT-4.7.1-2")]
    public void Subscribe_with_one_invalid_filter_among_valid_ones_is_malformed()
    {
        var (header, body) = Wire.Frame(Wire.Packet(0x82, [0x00, 0x01], Wire.Str("a/b"), [0x00], Wire.Str("a/#/b"), [0x00]));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Fact]
    [Trait("Spec", "MQTT-2.3.1-1")]
    public void Subscribe_with_packet_id_0_is_malformed()
    {
        // [MQTT-2.3.1-1] SUBSCRIBE carries a non-zero packet identifier.
        var (header, body) = Wire.Frame(Wire.Packet(0x82, [0x00, 0x00], Wire.Str("a/b"), [0x00]));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Theory]
    [InlineData("82 00")]
    [InlineData("82 01 00")]
    [InlineData("82 07 00 01 00 03 61 2F 62")]
    [InlineData("82 06 00 01 00 05 61 2F")]
    [InlineData("82 05 00 01 00 01 23")]
    public void Subscribe_that_ends_inside_a_field_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-1.5.3-1")]
    [InlineData(new byte[] { 0x61, 0xED, 0xB0, 0x80 })]
    [InlineData(new byte[] { 0x80 })]
    public void Subscribe_with_an_ill_formed_utf8_filter_is_malformed(byte[] filter)
    {
        // [MQTT-1.5.3-1] topic filters are well-formed UTF-8.
        var (header, body) = Wire.Frame(Wire.Packet(0x82, [0x00, 0x01], Wire.StrBytes(filter), [0x00]));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }
}

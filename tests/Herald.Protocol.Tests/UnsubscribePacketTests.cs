using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>UNSUBSCRIBE (section 3.10).</summary>
public sealed class UnsubscribePacketTests
{
    [Fact]
    public void Unsubscribe_round_trips()
    {
        string[] filters = ["a/+", "#", "sport/tennis/player1", "ü/€"];
        var sent = new UnsubscribePacket(0xFFFF, filters);

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));
        var read = UnsubscribePacket.Read(header, body);

        Assert.Equal(0xFFFF, read.PacketId);
        Assert.Equal(filters, read.Filters);
    }

    [Fact]
    public void Unsubscribe_is_written_as_the_spec_lays_it_out()
    {
        var packet = new UnsubscribePacket(2, ["a/+"]);

        // 0xA2: UNSUBSCRIBE with flags 0010 | remaining 7 | id 2 | "a/+"
        Assert.Equal(Wire.Hex("A2 07 00 02 00 03 61 2F 2B"), Wire.Encode(packet.WriteTo));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.10.3-2")]
    public void Unsubscribe_with_no_filters_is_malformed()
    {
        // [MQTT-3.10.3-2] the payload of an UNSUBSCRIBE contains at least one topic filter.
        var (header, body) = Wire.Frame(Wire.Hex("A2 02 00 01"));
        Expect.Malformed(() => UnsubscribePacket.Read(header, body));
    }

    [Fact]
    [Trait("Spec", "MQTT-2.3.1-1")]
    public void Unsubscribe_with_packet_id_0_is_malformed()
    {
        // [MQTT-2.3.1-1] UNSUBSCRIBE carries a non-zero packet identifier.
        var (header, body) = Wire.Frame(Wire.Packet(0xA2, [0x00, 0x00], Wire.Str("a/b")));
        Expect.Malformed(() => UnsubscribePacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [Trait("Spec", "MQTT-4.7.1-3")]
    [InlineData("a/#/b")]
    [InlineData("a+")]
    [InlineData("#a")]
    [InlineData("")]
    public void Unsubscribe_with_an_invalid_filter_is_malformed(string filter)
    {
        // [MQTT-4.7.1-2] [MQTT-4.7.1-3] [MQTT-4.7.3-1] the filter rules of SUBSCRIBE hold here too.
        var (header, body) = Wire.Frame(Wire.Packet(0xA2, [0x00, 0x01], Wire.Str(filter)));
        Expect.Malformed(() => UnsubscribePacket.Read(header, body));
    }

    [Theory]
    [InlineData("A2 00")]
    [InlineData("A2 03 00 01 00")]
    [InlineData("A2 05 00 01 00 04 61")]
    public void Unsubscribe_that_ends_inside_a_field_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => UnsubscribePacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-1.5.3-1")]
    [Trait("Spec", "MQTT-1.5.3-2")]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0x61, 0x00 })]
    public void Unsubscribe_with_an_ill_formed_filter_string_is_malformed(byte[] filter)
    {
        // [MQTT-1.5.3-1] no encoded surrogates; [MQTT-1.5.3-2] no U+0000.
        var (header, body) = Wire.Frame(Wire.Packet(0xA2, [0x00, 0x01], Wire.StrBytes(filter)));
        Expect.Malformed(() => UnsubscribePacket.Read(header, body));
    }
}

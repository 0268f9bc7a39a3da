using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>PUBACK, PUBREC, PUBREL, PUBCOMP (sections 3.4 - 3.7) and UNSUBACK (section 3.11).</summary>
public sealed class AckPacketTests
{
    [Theory]
    [InlineData(PacketType.PubAck, 1)]
    [InlineData(PacketType.PubRec, 0x1234)]
    [InlineData(PacketType.PubRel, 0xFFFF)]
    [InlineData(PacketType.PubComp, 0x8000)]
    public void Publish_acknowledgement_round_trips(PacketType type, int packetId)
    {
        var sent = new AckPacket(type, (ushort)packetId);

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));

        Assert.Equal(sent, AckPacket.Read(header, body));
    }

    [Theory]
    [InlineData(PacketType.PubAck, "40 02 12 34")]
    [InlineData(PacketType.PubRec, "50 02 12 34")]
    [InlineData(PacketType.PubRel, "62 02 12 34")]
    [InlineData(PacketType.PubComp, "70 02 12 34")]
    public void Publish_acknowledgement_is_written_as_the_spec_lays_it_out(PacketType type, string hex)
    {
        // [MQTT-3.6.1-1] PUBREL alone carries the flags 0010.
        Assert.Equal(Wire.Hex(hex), Wire.Encode(new AckPacket(type, 0x1234).WriteTo));
    }

    [Theory]
    [Trait("Spec", "MQTT-2.3.1-1")]
    [InlineData("40 02 00 00")]
    [InlineData("50 02 00 00")]
    [InlineData("62 02 00 00")]
    [InlineData("70 02 00 00")]
    public void Publish_acknowledgement_with_packet_id_0_is_malformed(string hex)
    {
        // [MQTT-2.3.1-1] packet identifiers are non-zero, and an acknowledgement repeats its PUBLISH's one.
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => AckPacket.Read(header, body));
    }

    [Theory]
    [InlineData("40 00")]
    [InlineData("40 01 01")]
    [InlineData("50 03 00 01 00")]
    [InlineData("62 04 00 01 00 00")]
    public void Publish_acknowledgement_with_remaining_length_other_than_2_is_malformed(string hex)
    {
        // Sections 3.4.1 - 3.7.1: the remaining length of a 3.1.1 acknowledgement is 2.
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => AckPacket.Read(header, body));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0xABCD)]
    public void Unsuback_round_trips(int packetId)
    {
        var (header, body) = Wire.Frame(Wire.Encode(new UnsubAckPacket((ushort)packetId).WriteTo));

        Assert.Equal(packetId, UnsubAckPacket.Read(header, body).PacketId);
    }

    [Fact]
    public void Unsuback_is_written_as_the_spec_lays_it_out() =>
        Assert.Equal(Wire.Hex("B0 02 00 05"), Wire.Encode(new UnsubAckPacket(5).WriteTo));

    [Fact]
    [Trait("Spec", "MQTT-2.3.1-1")]
    public void Unsuback_with_packet_id_0_is_malformed()
    {
        // [MQTT-2.3.1-1] [MQTT-2.3.1-7] UNSUBACK repeats its UNSUBSCRIBE's non-zero packet identifier.
        var (header, body) = Wire.Frame(Wire.Hex("B0 02 00 00"));
        Expect.Malformed(() => UnsubAckPacket.Read(header, body));
    }

    [Theory]
    [InlineData("B0 00")]
    [InlineData("B0 03 00 01 00")]
    public void Unsuback_with_remaining_length_other_than_2_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => UnsubAckPacket.Read(header, body));
    }
}

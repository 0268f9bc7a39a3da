using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>The flag bits of the fixed header (section 2.2.2, table 2.2) for every type but PUBLISH.</summary>
public sealed class ReservedFlagsTests
{
    [Theory]
    [Trait("Spec", "MQTT-2.2.2-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    [InlineData(PacketType.Connect, 0b0000)]
    [InlineData(PacketType.ConnAck, 0b0000)]
    [InlineData(PacketType.PubAck, 0b0000)]
    [InlineData(PacketType.PubRec, 0b0000)]
    [InlineData(PacketType.PubRel, 0b0010)]
    [InlineData(PacketType.PubComp, 0b0000)]
    [InlineData(PacketType.Subscribe, 0b0010)]
    [InlineData(PacketType.SubAck, 0b0000)]
    [InlineData(PacketType.Unsubscribe, 0b0010)]
    [InlineData(PacketType.UnsubAck, 0b0000)]
    [InlineData(PacketType.PingReq, 0b0000)]
    [InlineData(PacketType.PingResp, 0b0000)]
    [InlineData(PacketType.Disconnect, 0b0000)]
    public void Only_the_flags_of_table_2_2_are_accepted(PacketType type, int allowed)
    {
        // [MQTT-2.2.2-1] reserved flags must have the listed value; [MQTT-2.2.2-2] anything else is malformed.
        for (var flags = 0; flags < 16; flags++)
        {
            var header = (byte)((int)type << 4 | flags);
            if (flags == allowed)
                PacketFrame.ValidateFlags(header);
            else
                Expect.Malformed(() => PacketFrame.ValidateFlags(header));
        }
    }

    [Fact]
    public void Publish_flags_are_not_reserved()
    {
        for (var flags = 0; flags < 16; flags++)
            PacketFrame.ValidateFlags((byte)(0x30 | flags));
        Assert.Equal(PacketType.Publish, PacketFrame.TypeOf(0x3F));
    }

    [Theory]
    [Trait("Spec", "MQTT-2.2.2-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    [InlineData("11 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63")]
    [InlineData("18 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63")]
    public void Connect_with_reserved_header_flags_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => ConnectPacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-2.2.2-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    [InlineData("21 02 00 00")]
    [InlineData("28 02 00 00")]
    public void Connack_with_reserved_header_flags_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => ConnAckPacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-2.2.2-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    [InlineData("42 02 00 01")]
    [InlineData("51 02 00 01")]
    [InlineData("72 02 00 01")]
    [InlineData("48 02 00 01")]
    public void Puback_pubrec_pubcomp_with_reserved_header_flags_are_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => AckPacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.6.1-1")]
    [InlineData("60 02 00 01")]
    [InlineData("63 02 00 01")]
    [InlineData("6A 02 00 01")]
    public void Pubrel_without_flags_0010_is_malformed(string hex)
    {
        // [MQTT-3.6.1-1] bits 3-0 of PUBREL's fixed header are 0,0,1,0.
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => AckPacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.8.1-1")]
    [InlineData("80 06 00 01 00 01 23 00")]
    [InlineData("83 06 00 01 00 01 23 00")]
    [InlineData("8A 06 00 01 00 01 23 00")]
    public void Subscribe_without_flags_0010_is_malformed(string hex)
    {
        // [MQTT-3.8.1-1] bits 3-0 of SUBSCRIBE's fixed header are 0,0,1,0.
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => SubscribePacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-2.2.2-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    [InlineData("92 03 00 01 00")]
    [InlineData("98 03 00 01 00")]
    public void Suback_with_reserved_header_flags_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => SubAckPacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.10.1-1")]
    [InlineData("A0 05 00 01 00 01 23")]
    [InlineData("A3 05 00 01 00 01 23")]
    [InlineData("AA 05 00 01 00 01 23")]
    public void Unsubscribe_without_flags_0010_is_malformed(string hex)
    {
        // [MQTT-3.10.1-1] bits 3-0 of UNSUBSCRIBE's fixed header are 0,0,1,0.
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => UnsubscribePacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-2.2.2-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    [InlineData("B2 02 00 01")]
    [InlineData("B1 02 00 01")]
    public void Unsuback_with_reserved_header_flags_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => UnsubAckPacket.Read(header, body));
    }
}

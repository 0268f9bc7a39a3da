using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>SUBACK (section 3.9).</summary>
public sealed class SubAckPacketTests
{
    [Fact]
    public void Suback_round_trips()
    {
        byte[] codes = [0x00, 0x01, 0x02, SubAckPacket.Failure];
        var sent = new SubAckPacket(0x0102, codes);

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));
        var read = SubAckPacket.Read(header, body);

        Assert.Equal(0x0102, read.PacketId);
        Assert.Equal(codes, read.ReturnCodes);
    }

    [Fact]
    public void Suback_is_written_as_the_spec_lays_it_out()
    {
        var packet = new SubAckPacket(1, [0x00, 0x01, 0x02, 0x80]);

        // 0x90 | remaining 6 | id 1 | granted QoS 0, 1, 2 and failure 0x80
        Assert.Equal(Wire.Hex("90 06 00 01 00 01 02 80"), Wire.Encode(packet.WriteTo));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.9.3-2")]
    [InlineData(0x03)]
    [InlineData(0x04)]
    [InlineData(0x7F)]
    [InlineData(0x81)]
    [InlineData(0xFF)]
    public void Suback_with_a_reserved_return_code_is_malformed(byte code)
    {
        // [MQTT-3.9.3-2] return codes other than 0x00, 0x01, 0x02 and 0x80 are reserved.
        var (header, body) = Wire.Frame(Wire.Packet(0x90, [0x00, 0x01, 0x00, code]));
        Expect.Malformed(() => SubAckPacket.Read(header, body));
    }

    [Fact]
    public void Suback_with_no_return_code_is_malformed()
    {
        // Section 3.9.3: one return code per topic filter of the SUBSCRIBE, which has at least one.
        var (header, body) = Wire.Frame(Wire.Hex("90 02 00 01"));
        Expect.Malformed(() => SubAckPacket.Read(header, body));
    }

    [Theory]
    [InlineData("90 00")]
    [InlineData("90 01 00")]
    public void Suback_that_ends_inside_its_packet_id_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => SubAckPacket.Read(header, body));
    }

    [Fact]
    [Trait("Spec", "MQTT-2.3.1-1")]
    public void Suback_with_packet_id_0_is_malformed()
    {
        // [MQTT-2.3.1-1] [MQTT-2.3.1-7] SUBACK repeats its SUBSCRIBE's packet identifier, which is
        // never 0; PUBACK and UNSUBACK with identifier 0 are refused the same way.
        var (header, body) = Wire.Frame(Wire.Hex("90 03 00 00 00"));
        Expect.Malformed(() => SubAckPacket.Read(header, body));
    }
}

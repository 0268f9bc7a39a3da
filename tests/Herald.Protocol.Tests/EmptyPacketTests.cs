using System.Buffers;

namespace Herald.Protocol.Tests;

/// <summary>PINGREQ, PINGRESP and DISCONNECT (sections 3.12 - 3.14): a fixed header and nothing else.</summary>
public sealed class EmptyPacketTests
{
    [Theory]
    [InlineData(PacketType.PingReq, "C0 00")]
    [InlineData(PacketType.PingResp, "D0 00")]
    [InlineData(PacketType.Disconnect, "E0 00")]
    public void Empty_packet_is_written_as_the_spec_lays_it_out(PacketType type, string hex) =>
        Assert.Equal(Wire.Hex(hex), Wire.Encode(writer => PacketFrame.WriteEmpty(writer, type)));

    [Theory]
    [InlineData(PacketType.PingReq)]
    [InlineData(PacketType.PingResp)]
    [InlineData(PacketType.Disconnect)]
    public void Empty_packet_round_trips(PacketType type)
    {
        var (header, body) = Wire.Frame(Wire.Encode(writer => PacketFrame.WriteEmpty(writer, type)));

        Assert.Equal(type, PacketFrame.TypeOf(header));
        Assert.True(body.IsEmpty);
        PacketFrame.ValidateFlags(header);
        PacketFrame.ValidateEmpty(type, body);
    }

    [Theory]
    [InlineData("C0 01 00")]
    [InlineData("D0 02 00 00")]
    [InlineData("E0 01 FF")]
    public void Empty_packet_with_a_body_is_malformed(string hex)
    {
        // Sections 3.12.1, 3.13.1, 3.14.1: these packets have a remaining length of 0 in 3.1.1.
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => PacketFrame.ValidateEmpty(PacketFrame.TypeOf(header), body));
    }

    [Fact]
    public void Empty_body_passes_validation_even_when_split_across_segments()
    {
        var body = Sequences.SplitAt([], 0);

        PacketFrame.ValidateEmpty(PacketType.PingReq, body);
        Assert.True(body.IsEmpty);
    }

    [Theory]
    [Trait("Spec", "MQTT-2.2.2-1")]
    [Trait("Spec", "MQTT-2.2.2-2")]
    [InlineData("C1 00")]
    [InlineData("D2 00")]
    [InlineData("E8 00")]
    public void Empty_packet_with_reserved_header_flags_is_malformed(string hex)
    {
        var (header, _) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => PacketFrame.ValidateFlags(header));
    }

    [Fact]
    public void Two_pings_in_one_buffer_are_two_packets()
    {
        var buffer = new ReadOnlySequence<byte>(Wire.Hex("C0 00 C0 00"));

        Assert.True(PacketFrame.TryRead(ref buffer, int.MaxValue, out _, out _));
        Assert.True(PacketFrame.TryRead(ref buffer, int.MaxValue, out _, out _));
        Assert.False(PacketFrame.TryRead(ref buffer, int.MaxValue, out _, out _));
        Assert.True(buffer.IsEmpty);
    }
}

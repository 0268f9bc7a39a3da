using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>CONNACK (section 3.2).</summary>
public sealed class ConnAckPacketTests
{
    [Theory]
    [InlineData(true, ConnectReturnCode.Accepted)]
    [InlineData(false, ConnectReturnCode.Accepted)]
    [InlineData(false, ConnectReturnCode.UnacceptableProtocolVersion)]
    [InlineData(false, ConnectReturnCode.IdentifierRejected)]
    [InlineData(false, ConnectReturnCode.ServerUnavailable)]
    [InlineData(false, ConnectReturnCode.BadUsernameOrPassword)]
    [InlineData(false, ConnectReturnCode.NotAuthorized)]
    public void Connack_round_trips(bool sessionPresent, ConnectReturnCode code)
    {
        var sent = new ConnAckPacket(sessionPresent, code);

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));

        Assert.Equal(sent, ConnAckPacket.Read(header, body));
    }

    [Theory]
    [InlineData(true, ConnectReturnCode.Accepted, "20 02 01 00")]
    [InlineData(false, ConnectReturnCode.Accepted, "20 02 00 00")]
    [InlineData(false, ConnectReturnCode.UnacceptableProtocolVersion, "20 02 00 01")]
    [InlineData(false, ConnectReturnCode.NotAuthorized, "20 02 00 05")]
    public void Connack_is_written_as_the_spec_lays_it_out(bool sessionPresent, ConnectReturnCode code, string hex) =>
        Assert.Equal(Wire.Hex(hex), Wire.Encode(new ConnAckPacket(sessionPresent, code).WriteTo));

    [Theory]
    [InlineData("20 02 02 00")]
    [InlineData("20 02 80 00")]
    [InlineData("20 02 FF 00")]
    public void Connack_with_reserved_acknowledge_flags_is_malformed(string hex)
    {
        // Section 3.2.2.1: bits 7-1 of the connect acknowledge flags are reserved and 0.
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => ConnAckPacket.Read(header, body));
    }

    [Theory]
    [InlineData("20 02 00 06")]
    [InlineData("20 02 00 80")]
    [InlineData("20 02 00 FF")]
    public void Connack_with_a_reserved_return_code_is_malformed(string hex)
    {
        // Table 3.1: return codes 6 - 255 are reserved.
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => ConnAckPacket.Read(header, body));
    }

    [Theory]
    [InlineData("20 00")]
    [InlineData("20 01 00")]
    [InlineData("20 03 00 00 00")]
    public void Connack_with_remaining_length_other_than_2_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => ConnAckPacket.Read(header, body));
    }
}

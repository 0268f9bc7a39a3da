using Herald.Protocol.Packets;
using static Herald.Protocol.Tests.Mqtt5Wire;

namespace Herald.Protocol.Tests;

/// <summary>
/// DISCONNECT and AUTH (sections 3.14, 3.15): in 5.0 a reason code and properties, both omitted for
/// reason 0x00 without properties; in 3.1.1 a DISCONNECT is the fixed header alone and AUTH does not exist.
/// </summary>
public sealed class Mqtt5DisconnectAuthTests
{
    private static ReasonPacket Read(byte[] packet, ProtocolVersion version = ProtocolVersion.V500)
    {
        var (header, body) = Wire.Frame(packet);
        return ReasonPacket.Read(header, body, version);
    }

    [Fact]
    public void Disconnect_of_remaining_length_0_is_a_normal_disconnection()
    {
        var read = Read(Wire.Hex("E0 00"));

        Assert.Equal(PacketType.Disconnect, read.Type);
        Assert.Equal(ReasonCode.NormalDisconnection, read.Reason);
        Assert.Null(read.Properties);
    }

    [Fact]
    public void Normal_disconnection_without_properties_is_written_as_the_fixed_header_alone() =>
        Assert.Equal(Wire.Hex("E0 00"), Encode(new ReasonPacket(PacketType.Disconnect, ReasonCode.NormalDisconnection).WriteTo));

    [Fact]
    public void Disconnect_of_one_byte_is_a_reason_without_properties()
    {
        var read = Read(Wire.Hex("E0 01 04"));

        Assert.Equal(ReasonCode.DisconnectWithWillMessage, read.Reason);
        Assert.Null(read.Properties);
    }

    [Theory]
    [InlineData(ReasonCode.DisconnectWithWillMessage, "E0 01 04")]
    [InlineData(ReasonCode.ServerShuttingDown, "E0 01 8B")]
    [InlineData(ReasonCode.SessionTakenOver, "E0 01 8E")]
    [InlineData(ReasonCode.KeepAliveTimeout, "E0 01 8D")]
    public void Reason_without_properties_is_written_in_the_one_byte_form(ReasonCode reason, string hex) =>
        Assert.Equal(Wire.Hex(hex), Encode(new ReasonPacket(PacketType.Disconnect, reason).WriteTo));

    [Fact]
    public void Disconnect_with_session_expiry_server_reference_and_reason_string_is_written_as_the_spec_lays_it_out()
    {
        var packet = new ReasonPacket(PacketType.Disconnect, ReasonCode.ServerMoved)
        {
            Properties = new Properties { ReasonString = "bye", ServerReference = "b", SessionExpiryInterval = 0 },
        };

        // E0 | remaining 17 | 0x9D server moved | properties, length 15:
        // 0x11 session expiry 0 | 0x1C server reference "b" | 0x1F reason string "bye"
        Assert.Equal(
            Wire.Hex("E0 11 9D 0F 11 00 00 00 00 1C 00 01 62 1F 00 03 62 79 65"),
            Encode(packet.WriteTo));
    }

    [Fact]
    public void Disconnect_with_session_expiry_server_reference_and_reason_string_round_trips()
    {
        var properties = new Properties
        {
            SessionExpiryInterval = 86_400,
            ReasonString = "moving to another node",
            ServerReference = "node-2.example:8883",
            UserProperties = [new("a", "1"), new("a", "2")],
        };
        var sent = new ReasonPacket(PacketType.Disconnect, ReasonCode.UseAnotherServer) { Properties = properties };

        var read = Read(Encode(sent.WriteTo));

        Assert.Equal(PacketType.Disconnect, read.Type);
        Assert.Equal(ReasonCode.UseAnotherServer, read.Reason);
        Assert.Equal(86_400u, read.Properties?.SessionExpiryInterval);
        Assert.Equal("moving to another node", read.Properties?.ReasonString);
        Assert.Equal("node-2.example:8883", read.Properties?.ServerReference);
        Assert.Equal(PacketDump.Describe(properties), PacketDump.Describe(read.Properties));
    }

    [Fact]
    public void Normal_disconnection_with_properties_keeps_its_reason_byte()
    {
        var packet = new ReasonPacket(PacketType.Disconnect, ReasonCode.NormalDisconnection)
        {
            Properties = new Properties { SessionExpiryInterval = 10 },
        };

        Assert.Equal(Wire.Hex("E0 07 00 05 11 00 00 00 0A"), Encode(packet.WriteTo));
    }

    [Fact]
    public void Auth_with_method_data_and_continue_is_written_as_the_spec_lays_it_out()
    {
        var packet = new ReasonPacket(PacketType.Auth, ReasonCode.ContinueAuthentication)
        {
            Properties = new Properties { AuthenticationMethod = "SCRAM", AuthenticationData = [0x01, 0x02] },
        };

        // F0 | remaining 15 | 0x18 continue authentication | properties, length 13:
        // 0x15 authentication method "SCRAM" | 0x16 authentication data 01 02
        Assert.Equal(
            Wire.Hex("F0 0F 18 0D 15 00 05 53 43 52 41 4D 16 00 02 01 02"),
            Encode(packet.WriteTo));
    }

    [Theory]
    [InlineData(ReasonCode.Success)]
    [InlineData(ReasonCode.ContinueAuthentication)]
    [InlineData(ReasonCode.ReAuthenticate)]
    public void Auth_with_method_data_and_reason_string_round_trips(ReasonCode reason)
    {
        var properties = new Properties
        {
            AuthenticationMethod = "SCRAM-SHA-256",
            AuthenticationData = [0x72, 0x3D, 0x00, 0xFF],
            ReasonString = "step",
            UserProperties = [new("k", "v")],
        };

        var read = Read(Encode(new ReasonPacket(PacketType.Auth, reason) { Properties = properties }.WriteTo));

        Assert.Equal(PacketType.Auth, read.Type);
        Assert.Equal(reason, read.Reason);
        Assert.Equal("SCRAM-SHA-256", read.Properties?.AuthenticationMethod);
        Assert.Equal([0x72, 0x3D, 0x00, 0xFF], read.Properties?.AuthenticationData);
        Assert.Equal(PacketDump.Describe(properties), PacketDump.Describe(read.Properties));
    }

    [Fact]
    public void Auth_of_remaining_length_0_is_success()
    {
        // Section 3.15.2.1: the reason code and property length may be omitted for Success without properties.
        var read = Read(Wire.Hex("F0 00"));

        Assert.Equal(PacketType.Auth, read.Type);
        Assert.Equal(ReasonCode.Success, read.Reason);
        Assert.Null(read.Properties);
    }

    [Theory]
    [InlineData("F0 00")]
    [InlineData("F0 02 18 00")]
    public void Auth_in_a_3_1_1_conversation_is_malformed(string hex) =>
        Expect.Malformed(() => Read(Wire.Hex(hex), ProtocolVersion.V311));

    [Theory]
    [InlineData("E0 01 00")]
    [InlineData("E0 02 04 00")]
    public void Disconnect_with_a_body_is_malformed_in_3_1_1(string hex) =>
        Expect.Malformed(() => Read(Wire.Hex(hex), ProtocolVersion.V311));

    [Fact]
    public void Disconnect_without_a_body_is_read_in_3_1_1()
    {
        var read = Read(Wire.Hex("E0 00"), ProtocolVersion.V311);

        Assert.Equal(PacketType.Disconnect, read.Type);
        Assert.Equal(ReasonCode.NormalDisconnection, read.Reason);
    }

    [Fact]
    public void Disconnect_written_for_3_1_1_is_the_fixed_header_alone()
    {
        var packet = new ReasonPacket(PacketType.Disconnect, ReasonCode.ServerShuttingDown) { Properties = new Properties { ReasonString = "x" } };

        Assert.Equal(Wire.Hex("E0 00"), Wire.Encode(writer => packet.WriteTo(writer, ProtocolVersion.V311)));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.14.1-1")]
    [Trait("Spec", "MQTT-3.15.1-1")]
    [InlineData("E1 00")]
    [InlineData("E2 01 04")]
    [InlineData("F8 00")]
    [InlineData("F1 01 18")]
    public void Disconnect_and_auth_with_reserved_header_flags_are_malformed(string hex) =>
        Expect.Malformed(() => Read(Wire.Hex(hex)));

    [Theory]
    [InlineData("E0 03 00 00 FF")] // a byte after an empty property list
    [InlineData("E0 02 00 05")] // property length beyond the packet
    [InlineData("F0 03 18 01 15")] // authentication method cut short
    public void Malformed_disconnect_or_auth_is_refused(string hex) =>
        Expect.Malformed(() => Read(Wire.Hex(hex)));

    [Theory]
    [InlineData("E0 07 00 05 18 00 00 00 05")] // Will Delay Interval in DISCONNECT
    [InlineData("E0 04 00 02 17 01")] // Request Problem Information in DISCONNECT
    [InlineData("F0 07 18 05 11 00 00 00 05")] // Session Expiry Interval in AUTH
    [InlineData("F0 06 18 04 1C 00 01 61")] // Server Reference in AUTH
    public void Property_disconnect_or_auth_may_not_carry_is_a_protocol_error(string hex) =>
        Expect.Error(PacketError.ProtocolError, () => Read(Wire.Hex(hex)));
}

using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>MQTT 5 CONNACK (section 3.2): a reason code instead of a return code, and properties.</summary>
public sealed class Mqtt5ConnAckTests
{
    private static ConnAckPacket RoundTrip(ConnAckPacket sent)
    {
        var (header, body) = Wire.Frame(Mqtt5Wire.Encode(sent.WriteTo));
        return ConnAckPacket.Read(header, body, ProtocolVersion.V500);
    }

    [Fact]
    public void Connack_with_every_connack_property_round_trips()
    {
        var properties = new Properties
        {
            SessionExpiryInterval = 7200,
            ReceiveMaximum = 100,
            MaximumQoS = 1,
            RetainAvailable = 0,
            MaximumPacketSize = 1_048_576,
            AssignedClientIdentifier = "auto-7f3a",
            TopicAliasMaximum = 16,
            ReasonString = "welcome",
            UserProperties = [new("node", "a"), new("node", "b")],
            WildcardSubscriptionAvailable = 1,
            SubscriptionIdentifierAvailable = 0,
            SharedSubscriptionAvailable = 1,
            ServerKeepAlive = 120,
            ResponseInformation = "responses/",
            ServerReference = "other.example:1883",
            AuthenticationMethod = "SCRAM-SHA-256",
            AuthenticationData = [0x09, 0x08],
        };
        var sent = new ConnAckPacket(true, default) { Reason = ReasonCode.Success, Properties = properties };

        var read = RoundTrip(sent);

        Assert.True(read.SessionPresent);
        Assert.Equal(ReasonCode.Success, read.Reason);
        Assert.NotNull(read.Properties);
        Assert.Equal(7200u, read.Properties.SessionExpiryInterval);
        Assert.Equal((ushort)100, read.Properties.ReceiveMaximum);
        Assert.Equal((byte)1, read.Properties.MaximumQoS);
        Assert.Equal((byte)0, read.Properties.RetainAvailable);
        Assert.Equal(1_048_576u, read.Properties.MaximumPacketSize);
        Assert.Equal("auto-7f3a", read.Properties.AssignedClientIdentifier);
        Assert.Equal((ushort)16, read.Properties.TopicAliasMaximum);
        Assert.Equal("welcome", read.Properties.ReasonString);
        Assert.Equal(properties.UserProperties, read.Properties.UserProperties);
        Assert.Equal((byte)1, read.Properties.WildcardSubscriptionAvailable);
        Assert.Equal((byte)0, read.Properties.SubscriptionIdentifierAvailable);
        Assert.Equal((byte)1, read.Properties.SharedSubscriptionAvailable);
        Assert.Equal((ushort)120, read.Properties.ServerKeepAlive);
        Assert.Equal("responses/", read.Properties.ResponseInformation);
        Assert.Equal("other.example:1883", read.Properties.ServerReference);
        Assert.Equal("SCRAM-SHA-256", read.Properties.AuthenticationMethod);
        Assert.Equal([0x09, 0x08], read.Properties.AuthenticationData);
        Assert.Equal(PacketDump.Describe(properties), PacketDump.Describe(read.Properties));
    }

    [Theory]
    [InlineData(ReasonCode.UnspecifiedError)]
    [InlineData(ReasonCode.MalformedPacket)]
    [InlineData(ReasonCode.ProtocolError)]
    [InlineData(ReasonCode.ImplementationSpecificError)]
    [InlineData(ReasonCode.UnsupportedProtocolVersion)]
    [InlineData(ReasonCode.ClientIdentifierNotValid)]
    [InlineData(ReasonCode.BadUserNameOrPassword)]
    [InlineData(ReasonCode.NotAuthorized)]
    [InlineData(ReasonCode.ServerUnavailable)]
    [InlineData(ReasonCode.ServerBusy)]
    [InlineData(ReasonCode.Banned)]
    [InlineData(ReasonCode.BadAuthenticationMethod)]
    [InlineData(ReasonCode.TopicNameInvalid)]
    [InlineData(ReasonCode.PacketTooLarge)]
    [InlineData(ReasonCode.QuotaExceeded)]
    [InlineData(ReasonCode.PayloadFormatInvalid)]
    [InlineData(ReasonCode.RetainNotSupported)]
    [InlineData(ReasonCode.QoSNotSupported)]
    [InlineData(ReasonCode.UseAnotherServer)]
    [InlineData(ReasonCode.ServerMoved)]
    [InlineData(ReasonCode.ConnectionRateExceeded)]
    public void Connack_refusal_reason_round_trips(ReasonCode reason)
    {
        var read = RoundTrip(new ConnAckPacket(false, default) { Reason = reason });

        Assert.False(read.SessionPresent);
        Assert.Equal(reason, read.Reason);
        Assert.Null(read.Properties);
    }

    [Fact]
    public void Connack_with_receive_maximum_and_topic_alias_maximum_is_written_as_the_spec_lays_it_out()
    {
        var packet = new ConnAckPacket(true, default)
        {
            Properties = new Properties { TopicAliasMaximum = 10, ReceiveMaximum = 20 },
        };

        // 20 | remaining 9 | session present | Success | properties, length 6: 0x21 receive maximum 20, 0x22 topic alias maximum 10
        Assert.Equal(Wire.Hex("20 09 01 00 06 21 00 14 22 00 0A"), Mqtt5Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Connack_without_properties_is_written_with_a_zero_property_length() =>
        Assert.Equal(Wire.Hex("20 03 00 87 00"), Mqtt5Wire.Encode(new ConnAckPacket(false, default) { Reason = ReasonCode.NotAuthorized }.WriteTo));

    [Fact]
    public void Connack_with_an_assigned_client_identifier_is_read_from_spec_bytes()
    {
        // 20 | remaining 10 | no session | Success | properties, length 7: 0x12 assigned client identifier "auto"
        var (header, body) = Wire.Frame(Wire.Hex("20 0A 00 00 07 12 00 04 61 75 74 6F"));

        var read = ConnAckPacket.Read(header, body, ProtocolVersion.V500);

        Assert.False(read.SessionPresent);
        Assert.Equal(ReasonCode.Success, read.Reason);
        Assert.Equal("props={AssignedClientIdentifier='auto'}", PacketDump.Describe(read.Properties));
    }

    [Fact]
    public void Connack_at_5_written_for_3_1_1_drops_reason_and_properties()
    {
        var packet = new ConnAckPacket(true, ConnectReturnCode.Accepted)
        {
            Reason = ReasonCode.Success,
            Properties = new Properties { ReceiveMaximum = 20 },
        };

        Assert.Equal(Wire.Hex("20 02 01 00"), Wire.Encode(writer => packet.WriteTo(writer, ProtocolVersion.V311)));
    }

    [Theory]
    [InlineData("20 02 00 00")] // no property length
    [InlineData("20 04 00 00 00 FF")] // a byte after the properties
    [InlineData("20 03 02 00 00")] // reserved acknowledge flag set
    [InlineData("20 03 00 00 05")] // property length beyond the packet
    public void Malformed_connack_is_refused(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));

        Expect.Malformed(() => ConnAckPacket.Read(header, body, ProtocolVersion.V500));
    }

    [Fact]
    public void Connack_with_properties_is_malformed_in_3_1_1()
    {
        var (header, body) = Wire.Frame(Wire.Hex("20 03 00 00 00"));

        Expect.Malformed(() => ConnAckPacket.Read(header, body, ProtocolVersion.V311));
    }
}

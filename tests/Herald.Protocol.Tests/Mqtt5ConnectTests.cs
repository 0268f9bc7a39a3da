using Herald.Protocol.Packets;
using static Herald.Protocol.Tests.Mqtt5Wire;

namespace Herald.Protocol.Tests;

/// <summary>MQTT 5 CONNECT (section 3.1): CONNECT properties, will properties, and what 5.0 relaxes.</summary>
public sealed class Mqtt5ConnectTests
{
    private static ConnectPacket RoundTrip(ConnectPacket sent)
    {
        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));
        return ConnectPacket.Read(header, body);
    }

    [Fact]
    public void Connect_with_every_connect_property_round_trips()
    {
        var sent = new ConnectPacket
        {
            Version = ProtocolVersion.V500,
            CleanSession = false,
            KeepAliveSeconds = 45,
            ClientId = "client-ü",
            Username = "user",
            Password = [0x70, 0x00, 0x77],
            Properties = new Properties
            {
                SessionExpiryInterval = 3600,
                ReceiveMaximum = 20,
                MaximumPacketSize = 65_536,
                TopicAliasMaximum = 10,
                RequestResponseInformation = 1,
                RequestProblemInformation = 0,
                UserProperties = [new("region", "eu"), new("region", "us"), new("app", "herald")],
                AuthenticationMethod = "SCRAM-SHA-256",
                AuthenticationData = [0x01, 0x02, 0x03],
            },
        };

        var read = RoundTrip(sent);

        Assert.Equal(ProtocolVersion.V500, read.Version);
        Assert.False(read.CleanSession);
        Assert.Equal(45, read.KeepAliveSeconds);
        Assert.Equal("client-ü", read.ClientId);
        Assert.Equal("user", read.Username);
        Assert.Equal([0x70, 0x00, 0x77], read.Password);
        Assert.Null(read.Will);
        Assert.NotNull(read.Properties);
        Assert.Equal(3600u, read.Properties.SessionExpiryInterval);
        Assert.Equal((ushort)20, read.Properties.ReceiveMaximum);
        Assert.Equal(65_536u, read.Properties.MaximumPacketSize);
        Assert.Equal((ushort)10, read.Properties.TopicAliasMaximum);
        Assert.Equal((byte)1, read.Properties.RequestResponseInformation);
        Assert.Equal((byte)0, read.Properties.RequestProblemInformation);
        Assert.Equal(sent.Properties.UserProperties, read.Properties.UserProperties);
        Assert.Equal("SCRAM-SHA-256", read.Properties.AuthenticationMethod);
        Assert.Equal([0x01, 0x02, 0x03], read.Properties.AuthenticationData);
        Assert.Equal(PacketDump.Describe(sent.Properties), PacketDump.Describe(read.Properties));
    }

    [Fact]
    public void Will_with_every_will_property_round_trips()
    {
        var sent = new ConnectPacket
        {
            Version = ProtocolVersion.V500,
            ClientId = "c",
            Will = new ConnectWill("status/c", [0xDE, 0xAD], QualityOfService.ExactlyOnce, Retain: true)
            {
                Properties = new Properties
                {
                    WillDelayInterval = 30,
                    PayloadFormatIndicator = 1,
                    MessageExpiryInterval = 600,
                    ContentType = "text/plain",
                    ResponseTopic = "status/c/reply",
                    CorrelationData = [0x0C, 0x0D],
                    UserProperties = [new("why", "lost"), new("why", "again")],
                },
            },
            Properties = new Properties { SessionExpiryInterval = 60 },
        };

        var read = RoundTrip(sent);

        Assert.NotNull(read.Will);
        Assert.Equal("status/c", read.Will.Topic);
        Assert.Equal([0xDE, 0xAD], read.Will.Payload);
        Assert.Equal(QualityOfService.ExactlyOnce, read.Will.QoS);
        Assert.True(read.Will.Retain);
        Assert.NotNull(read.Will.Properties);
        Assert.Equal(30u, read.Will.Properties.WillDelayInterval);
        Assert.Equal((byte)1, read.Will.Properties.PayloadFormatIndicator);
        Assert.Equal(600u, read.Will.Properties.MessageExpiryInterval);
        Assert.Equal("text/plain", read.Will.Properties.ContentType);
        Assert.Equal("status/c/reply", read.Will.Properties.ResponseTopic);
        Assert.Equal([0x0C, 0x0D], read.Will.Properties.CorrelationData);
        Assert.Equal(sent.Will.Properties.UserProperties, read.Will.Properties.UserProperties);
        Assert.Equal(PacketDump.Describe(sent.Will.Properties), PacketDump.Describe(read.Will.Properties));
        // The will properties stay apart from the CONNECT properties.
        Assert.Equal("props={SessionExpiryInterval=60}", PacketDump.Describe(read.Properties));
    }

    [Fact]
    public void Connect_with_session_expiry_and_receive_maximum_is_written_as_the_spec_lays_it_out()
    {
        var packet = new ConnectPacket
        {
            Version = ProtocolVersion.V500,
            KeepAliveSeconds = 60,
            ClientId = "c1",
            Properties = new Properties { SessionExpiryInterval = 3600, ReceiveMaximum = 20 },
        };

        // 10 | remaining 23 | "MQTT" | level 5 | clean start | keep alive 60
        // | properties, length 8: 0x11 session expiry 3600, 0x21 receive maximum 20 | client id "c1"
        Assert.Equal(
            Wire.Hex("10 17 00 04 4D 51 54 54 05 02 00 3C 08 11 00 00 0E 10 21 00 14 00 02 63 31"),
            Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Connect_with_a_will_delay_is_read_from_spec_bytes_and_written_back_alike()
    {
        // 10 | remaining 30 | "MQTT" | level 5 | will, will QoS 1, clean start | keep alive 10 | no properties
        // | client id "c" | will properties, length 5: 0x18 will delay 30 | will topic "w/t" | will payload "bye"
        var bytes = Wire.Hex("10 1E 00 04 4D 51 54 54 05 0E 00 0A 00 00 01 63 05 18 00 00 00 1E 00 03 77 2F 74 00 03 62 79 65");
        var (header, body) = Wire.Frame(bytes);

        var read = ConnectPacket.Read(header, body);

        Assert.Equal(ProtocolVersion.V500, read.Version);
        Assert.True(read.CleanSession);
        Assert.Equal(10, read.KeepAliveSeconds);
        Assert.Null(read.Properties);
        Assert.Equal("c", read.ClientId);
        Assert.NotNull(read.Will);
        Assert.Equal("w/t", read.Will.Topic);
        Assert.Equal("bye"u8.ToArray(), read.Will.Payload);
        Assert.Equal(QualityOfService.AtLeastOnce, read.Will.QoS);
        Assert.False(read.Will.Retain);
        Assert.Equal("props={WillDelayInterval=30}", PacketDump.Describe(read.Will.Properties));
        Assert.Equal(bytes, Wire.Encode(read.WriteTo));
    }

    [Fact]
    public void Connect_without_properties_is_written_with_a_zero_property_length()
    {
        var packet = new ConnectPacket { Version = ProtocolVersion.V500, KeepAliveSeconds = 60, ClientId = "c" };

        Assert.Equal(Wire.Hex("10 0E 00 04 4D 51 54 54 05 02 00 3C 00 00 01 63"), Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Will_without_properties_is_written_with_a_zero_property_length()
    {
        var packet = new ConnectPacket
        {
            Version = ProtocolVersion.V500,
            ClientId = "c",
            Will = new ConnectWill("w", [0x78], QualityOfService.AtMostOnce, Retain: false),
        };

        // ... keep alive 0 | properties 00 | "c" | will properties 00 | "w" | "x"
        Assert.Equal(
            Wire.Hex("10 15 00 04 4D 51 54 54 05 06 00 00 00 00 01 63 00 00 01 77 00 01 78"),
            Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Connect_with_password_but_no_username_is_allowed_in_5()
    {
        // Section 3.1.2.9: MQTT 5 lets a password travel without a username, e.g. as a token.
        var sent = new ConnectPacket { Version = ProtocolVersion.V500, ClientId = "c", Password = [0x74, 0x6F, 0x6B] };
        var bytes = Wire.Encode(sent.WriteTo);

        var (header, body) = Wire.Frame(bytes);
        var read = ConnectPacket.Read(header, body);

        Assert.Equal(0x42, bytes[9]); // password flag and clean start, no username flag
        Assert.Null(read.Username);
        Assert.Equal([0x74, 0x6F, 0x6B], read.Password);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-22")]
    public void Password_without_username_is_accepted_at_level_5_but_malformed_at_level_4()
    {
        // Flags 0x42: password and clean start, no username. The 3.1.1 rule [MQTT-3.1.2-22] holds for level 4 alone.
        var level5 = Wire.Packet(0x10, [.. Wire.Str("MQTT"), 0x05, 0x42, 0x00, 0x00, 0x00], Wire.Str("c"), Wire.Str("p"));
        var level4 = Wire.Packet(0x10, [.. Wire.Str("MQTT"), 0x04, 0x42, 0x00, 0x00], Wire.Str("c"), Wire.Str("p"));

        var (header5, body5) = Wire.Frame(level5);
        Assert.Equal("p"u8.ToArray(), ConnectPacket.Read(header5, body5).Password);
        var (header4, body4) = Wire.Frame(level4);
        Expect.Malformed(() => ConnectPacket.Read(header4, body4));
    }

    [Fact]
    public void Connect_at_level_5_laid_out_without_a_property_length_is_malformed()
    {
        // A 3.1.1 body with the level byte changed to 5: the client id's first length byte becomes
        // the property length 0, and the client id then claims 0x0163 bytes.
        var bytes = Wire.Hex("10 0D 00 04 4D 51 54 54 05 02 00 3C 00 01 63");
        var (header, body) = Wire.Frame(bytes);

        Expect.Malformed(() => ConnectPacket.Read(header, body));
    }

    [Fact]
    public void Will_delay_interval_among_the_connect_properties_is_a_protocol_error()
    {
        var bytes = PacketWith(Place.Connect, Props(UInt32(PropertyId.WillDelayInterval, 5)));
        var (header, body) = Wire.Frame(bytes);

        Expect.Error(PacketError.ProtocolError, () => ConnectPacket.Read(header, body));
    }

    [Fact]
    public void Will_delay_interval_among_the_will_properties_is_accepted()
    {
        var bytes = PacketWith(Place.Will, Props(UInt32(PropertyId.WillDelayInterval, 5)));
        var (header, body) = Wire.Frame(bytes);

        Assert.Equal(5u, ConnectPacket.Read(header, body).Will?.Properties?.WillDelayInterval);
    }

    [Fact]
    public void Connect_property_length_that_swallows_the_client_id_is_malformed()
    {
        // Property length 4 covers the client id "c" (00 01 63) and one byte more than the packet holds.
        var bytes = Wire.Packet(0x10, [.. Wire.Str("MQTT"), 0x05, 0x02, 0x00, 0x3C, 0x04], Wire.Str("c"));
        var (header, body) = Wire.Frame(bytes);

        Expect.Malformed(() => ConnectPacket.Read(header, body));
    }

    [Fact]
    public void Will_properties_are_not_read_when_there_is_no_will()
    {
        // Without the will flag the bytes after the client id are not will properties: they are extra bytes.
        var bytes = Wire.Packet(0x10, [.. Wire.Str("MQTT"), 0x05, 0x02, 0x00, 0x3C, 0x00], Wire.Str("c"), [0x00]);
        var (header, body) = Wire.Frame(bytes);

        Expect.Malformed(() => ConnectPacket.Read(header, body));
    }

    [Fact]
    public void Connect_properties_are_not_read_at_level_4()
    {
        // A 3.1.1 CONNECT has no property length: a 0x00 after keep alive starts the client id.
        var bytes = Wire.Packet(0x10, [.. Wire.Str("MQTT"), 0x04, 0x02, 0x00, 0x3C], Wire.Str("c"));
        var (header, body) = Wire.Frame(bytes);

        var read = ConnectPacket.Read(header, body);

        Assert.Equal("c", read.ClientId);
        Assert.Null(read.Properties);
    }
}

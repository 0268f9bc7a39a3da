using System.Text;
using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>CONNECT (section 3.1) for MQTT 3.1 ("MQIsdp", level 3) and 3.1.1 ("MQTT", level 4).</summary>
public sealed class ConnectPacketTests
{
    private static readonly byte[] MqttName = Wire.Str("MQTT");
    private static readonly byte[] MqisdpName = Wire.Str("MQIsdp");

    public static TheoryData<ProtocolVersion, bool, string, string?, QualityOfService, bool, string?, string?> Shapes()
    {
        var data = new TheoryData<ProtocolVersion, bool, string, string?, QualityOfService, bool, string?, string?>();
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311 })
        {
            data.Add(version, true, "client-1", null, QualityOfService.AtMostOnce, false, null, null);
            data.Add(version, false, "c", "will/topic", QualityOfService.AtMostOnce, false, null, null);
            data.Add(version, true, "c", "will/topic", QualityOfService.AtLeastOnce, true, null, null);
            data.Add(version, true, "c", "w", QualityOfService.ExactlyOnce, false, "user", null);
            data.Add(version, false, "c", null, QualityOfService.AtMostOnce, false, "user", null);
            data.Add(version, true, "c", null, QualityOfService.AtMostOnce, false, "user", "secret");
            data.Add(version, false, "ünïcødé-€", "wills/ü", QualityOfService.ExactlyOnce, true, "名前", "pässwörd");
            data.Add(version, true, "c", null, QualityOfService.AtMostOnce, false, "", "");
        }
        // [MQTT-3.1.3-6] a 3.1.1 server may accept a zero-length client id.
        data.Add(ProtocolVersion.V311, true, "", null, QualityOfService.AtMostOnce, false, null, null);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Connect_round_trips(
        ProtocolVersion version, bool cleanSession, string clientId, string? willTopic, QualityOfService willQos,
        bool willRetain, string? username, string? password)
    {
        var sent = new ConnectPacket
        {
            Version = version,
            CleanSession = cleanSession,
            KeepAliveSeconds = 300,
            ClientId = clientId,
            Will = willTopic is null ? null : new ConnectWill(willTopic, [0x00, 0xFF, 0x10], willQos, willRetain),
            Username = username,
            Password = password is null ? null : Encoding.UTF8.GetBytes(password),
        };

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));
        var read = ConnectPacket.Read(header, body);

        Assert.Equal(version, read.Version);
        Assert.Equal(cleanSession, read.CleanSession);
        Assert.Equal(300, read.KeepAliveSeconds);
        Assert.Equal(clientId, read.ClientId);
        if (willTopic is null)
        {
            Assert.Null(read.Will);
        }
        else
        {
            Assert.NotNull(read.Will);
            Assert.Equal(willTopic, read.Will.Topic);
            Assert.Equal([0x00, 0xFF, 0x10], read.Will.Payload);
            Assert.Equal(willQos, read.Will.QoS);
            Assert.Equal(willRetain, read.Will.Retain);
        }
        Assert.Equal(username, read.Username);
        Assert.Equal(password is null ? null : Encoding.UTF8.GetBytes(password), read.Password);
    }

    [Fact]
    public void Minimal_311_connect_is_written_as_the_spec_lays_it_out()
    {
        var bytes = Wire.Encode(new ConnectPacket { ClientId = "abc", KeepAliveSeconds = 60 }.WriteTo);

        // 10 | remaining 15 | "MQTT" | level 4 | flags: clean session | keep alive 60 | "abc"
        Assert.Equal(Wire.Hex("10 0F 00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63"), bytes);
    }

    [Fact]
    public void Minimal_31_connect_is_written_with_protocol_name_MQIsdp_and_level_3()
    {
        var bytes = Wire.Encode(new ConnectPacket { Version = ProtocolVersion.V310, ClientId = "abc", KeepAliveSeconds = 60 }.WriteTo);

        Assert.Equal(Wire.Hex("10 11 00 06 4D 51 49 73 64 70 03 02 00 3C 00 03 61 62 63"), bytes);
    }

    [Fact]
    public void Full_311_connect_is_written_with_payload_fields_in_spec_order()
    {
        var packet = new ConnectPacket
        {
            CleanSession = false,
            KeepAliveSeconds = 10,
            ClientId = "c1",
            Will = new ConnectWill("w/t", "bye"u8.ToArray(), QualityOfService.AtLeastOnce, Retain: true),
            Username = "u",
            Password = "pw"u8.ToArray(),
        };

        // flags 0xEC: username, password, will retain, will QoS 1, will; payload order of section 3.1.3.
        var expected = Wire.Hex("10 1F 00 04 4D 51 54 54 04 EC 00 0A 00 02 63 31 00 03 77 2F 74 00 03 62 79 65 00 01 75 00 02 70 77");
        Assert.Equal(expected, Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Full_311_connect_is_read_from_spec_bytes()
    {
        var (header, body) = Wire.Frame(Wire.Hex("10 1F 00 04 4D 51 54 54 04 EC 00 0A 00 02 63 31 00 03 77 2F 74 00 03 62 79 65 00 01 75 00 02 70 77"));

        var read = ConnectPacket.Read(header, body);

        Assert.Equal(ProtocolVersion.V311, read.Version);
        Assert.False(read.CleanSession);
        Assert.Equal(10, read.KeepAliveSeconds);
        Assert.Equal("c1", read.ClientId);
        Assert.NotNull(read.Will);
        Assert.Equal("w/t", read.Will.Topic);
        Assert.Equal("bye"u8.ToArray(), read.Will.Payload);
        Assert.Equal(QualityOfService.AtLeastOnce, read.Will.QoS);
        Assert.True(read.Will.Retain);
        Assert.Equal("u", read.Username);
        Assert.Equal("pw"u8.ToArray(), read.Password);
    }

    [Fact]
    public void Password_is_binary_data_not_a_string()
    {
        // Section 3.1.3.5: the password is binary data, so U+0000 and ill-formed UTF-8 are allowed in it.
        var password = new byte[] { 0x00, 0xC3, 0xFF, 0xED, 0xA0, 0x80 };
        var sent = new ConnectPacket { ClientId = "c", Username = "u", Password = password };

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));

        Assert.Equal(password, ConnectPacket.Read(header, body).Password);
    }

    private static byte[] Connect(byte[] name, byte level, byte flags, params byte[][] payload) =>
        Wire.Packet(0x10, [.. name, level, flags, 0x00, 0x3C, .. payload.SelectMany(p => p)]);

    private static void AssertMalformed(byte[] packet)
    {
        var (header, body) = Wire.Frame(packet);
        Expect.Malformed(() => ConnectPacket.Read(header, body));
    }

    [Fact]
    public void Hand_built_connect_is_accepted()
    {
        // Guards the builder the malformed cases below rely on.
        var (header, body) = Wire.Frame(Connect(MqttName, 4, 0x02, Wire.Str("abc")));

        Assert.Equal("abc", ConnectPacket.Read(header, body).ClientId);
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-1")]
    [InlineData("MQTX")]
    [InlineData("mqtt")]
    [InlineData("MQIsdP")]
    [InlineData("")]
    [InlineData("MQTT ")]
    public void Connect_with_an_unknown_protocol_name_is_malformed(string name)
    {
        // [MQTT-3.1.2-1] a server must not process CONNECT as MQTT 3.1.1 under another protocol name.
        AssertMalformed(Connect(Wire.Str(name), 4, 0x02, Wire.Str("abc")));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-2")]
    [InlineData("MQTT", 0)]
    [InlineData("MQTT", 3)]
    [InlineData("MQTT", 6)]
    [InlineData("MQTT", 255)]
    [InlineData("MQIsdp", 4)]
    [InlineData("MQIsdp", 5)]
    [InlineData("MQIsdp", 1)]
    public void Connect_with_an_unsupported_protocol_level_is_refused_as_unsupported_version(string name, byte level)
    {
        // [MQTT-3.1.2-2] the server answers CONNACK 0x01 for a level it does not support.
        var (header, body) = Wire.Frame(Connect(Wire.Str(name), level, 0x02, Wire.Str("abc")));

        Expect.Error(PacketError.UnsupportedProtocolVersion, () => ConnectPacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-3")]
    [InlineData(0x01)]
    [InlineData(0x03)]
    [InlineData(0xC3)]
    public void Connect_with_the_reserved_flag_set_is_malformed(byte flags)
    {
        // [MQTT-3.1.2-3] bit 0 of the connect flags is reserved and must be 0.
        var payload = (flags & 0xC0) != 0 ? new[] { Wire.Str("abc"), Wire.Str("u"), Wire.Str("p") } : [Wire.Str("abc")];
        AssertMalformed(Connect(MqttName, 4, flags, payload));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-14")]
    [InlineData(0x1E)]
    [InlineData(0x3E)]
    public void Connect_with_will_qos_3_is_malformed(byte flags)
    {
        // [MQTT-3.1.2-14] will QoS is 0, 1 or 2, never 3.
        AssertMalformed(Connect(MqttName, 4, flags, Wire.Str("abc"), Wire.Str("w"), Wire.Str("bye")));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.1.2-11")]
    [Trait("Spec", "MQTT-3.1.2-13")]
    [InlineData(0x0A)]
    [InlineData(0x12)]
    [InlineData(0x1A)]
    public void Connect_with_will_qos_but_no_will_flag_is_malformed(byte flags)
    {
        // [MQTT-3.1.2-11] [MQTT-3.1.2-13] without the will flag, will QoS must be 0.
        AssertMalformed(Connect(MqttName, 4, flags, Wire.Str("abc")));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-11")]
    [Trait("Spec", "MQTT-3.1.2-15")]
    public void Connect_with_will_retain_but_no_will_flag_is_malformed()
    {
        // [MQTT-3.1.2-11] [MQTT-3.1.2-15] without the will flag, will retain must be 0.
        AssertMalformed(Connect(MqttName, 4, 0x22, Wire.Str("abc")));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-22")]
    public void Connect_with_password_but_no_username_is_malformed()
    {
        // [MQTT-3.1.2-22] without the username flag, the password flag must be 0.
        AssertMalformed(Connect(MqttName, 4, 0x42, Wire.Str("abc"), Wire.Str("p")));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-9")]
    public void Connect_with_will_flag_but_no_will_fields_is_malformed()
    {
        // [MQTT-3.1.2-9] with the will flag, will topic and will message must be in the payload.
        AssertMalformed(Connect(MqttName, 4, 0x06, Wire.Str("abc")));
        AssertMalformed(Connect(MqttName, 4, 0x06, Wire.Str("abc"), Wire.Str("w")));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-19")]
    public void Connect_with_username_flag_but_no_username_is_malformed()
    {
        // [MQTT-3.1.2-19] with the username flag, a username must be in the payload.
        AssertMalformed(Connect(MqttName, 4, 0x82, Wire.Str("abc")));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-21")]
    public void Connect_with_password_flag_but_no_password_is_malformed()
    {
        // [MQTT-3.1.2-21] with the password flag, a password must be in the payload.
        AssertMalformed(Connect(MqttName, 4, 0xC2, Wire.Str("abc"), Wire.Str("u")));
    }

    [Fact]
    [Trait("Spec", "MQTT-3.1.2-18")]
    public void Connect_with_a_username_but_no_username_flag_is_malformed()
    {
        // [MQTT-3.1.2-18] without the username flag, no username may be in the payload.
        AssertMalformed(Connect(MqttName, 4, 0x02, Wire.Str("abc"), Wire.Str("u")));
    }

    [Theory]
    [InlineData(new byte[] { 0x00 })]
    [InlineData(new byte[] { 0xFF, 0xFF })]
    public void Connect_with_bytes_after_its_payload_is_malformed(byte[] trailing)
    {
        AssertMalformed(Connect(MqttName, 4, 0x02, Wire.Str("abc"), trailing));
        AssertMalformed(Connect(MqisdpName, 3, 0xEE, Wire.Str("abc"), Wire.Str("w"), Wire.Str("bye"), Wire.Str("u"), Wire.Str("p"), trailing));
    }

    [Fact]
    public void Connect_whose_client_id_is_longer_than_the_packet_is_malformed()
    {
        AssertMalformed(Connect(MqttName, 4, 0x02, [0x00, 0x0A, 0x61, 0x62, 0x63]));
    }

    [Fact]
    public void Connect_whose_protocol_name_is_longer_than_the_packet_is_malformed()
    {
        AssertMalformed(Wire.Packet(0x10, [0x00, 0x04, 0x4D, 0x51]));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(11)]
    public void Connect_that_ends_inside_its_variable_header_or_payload_is_malformed(int bodyLength)
    {
        var whole = Wire.Hex("00 04 4D 51 54 54 04 02 00 3C 00 03 61 62 63");
        AssertMalformed(Wire.Packet(0x10, whole[..bodyLength]));
    }

    [Fact]
    [Trait("Spec", "MQTT-1.5.3-1")]
    public void Connect_with_an_ill_formed_utf8_client_id_is_malformed()
    {
        // [MQTT-1.5.3-1] ED A0 80 encodes the surrogate U+D800.
        AssertMalformed(Connect(MqttName, 4, 0x02, Wire.StrBytes([0x61, 0xED, 0xA0, 0x80])));
    }

    [Fact]
    [Trait("Spec", "MQTT-1.5.3-2")]
    public void Connect_with_u0000_in_the_client_id_is_malformed()
    {
        // [MQTT-1.5.3-2] a UTF-8 string must not contain U+0000.
        AssertMalformed(Connect(MqttName, 4, 0x02, Wire.StrBytes([0x61, 0x00, 0x62])));
    }

    [Fact]
    [Trait("Spec", "MQTT-1.5.3-1")]
    public void Connect_with_an_ill_formed_utf8_username_is_malformed()
    {
        // [MQTT-1.5.3-1] [MQTT-3.1.3-11] the username is a UTF-8 string.
        AssertMalformed(Connect(MqttName, 4, 0x82, Wire.Str("abc"), Wire.StrBytes([0xC3, 0x28])));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.2-2")]
    [InlineData("a/+")]
    [InlineData("#")]
    [InlineData("")]
    public void Connect_with_a_will_topic_that_is_not_a_topic_name_is_malformed(string willTopic)
    {
        // The will is published, so its topic follows the PUBLISH rules: [MQTT-3.3.2-2] no wildcards, [MQTT-4.7.3-1] not empty.
        AssertMalformed(Connect(MqttName, 4, 0x06, Wire.Str("abc"), Wire.Str(willTopic), Wire.Str("bye")));
    }

    [Fact]
    public void Will_payload_longer_than_65535_bytes_is_refused_by_the_writer()
    {
        // Section 1.5.3/3.1.3.3: the will message has a two-byte length, so 65536 bytes cannot be encoded.
        var packet = new ConnectPacket
        {
            ClientId = "c",
            Will = new ConnectWill("w", new byte[65_536], QualityOfService.AtMostOnce, Retain: false),
        };

        Assert.Throws<ArgumentException>(() => Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Password_longer_than_65535_bytes_is_refused_by_the_writer()
    {
        var packet = new ConnectPacket { ClientId = "c", Username = "u", Password = new byte[65_536] };

        Assert.Throws<ArgumentException>(() => Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Client_id_longer_than_65535_bytes_is_refused_by_the_writer()
    {
        var packet = new ConnectPacket { ClientId = new string('c', 65_536) };

        Assert.Throws<ArgumentException>(() => Wire.Encode(packet.WriteTo));
    }
}

using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>PUBLISH (section 3.3).</summary>
public sealed class PublishPacketTests
{
    [Theory]
    [InlineData(QualityOfService.AtMostOnce, false, false, 0, "a/b", "hello")]
    [InlineData(QualityOfService.AtMostOnce, false, true, 0, "a/b", "")]
    [InlineData(QualityOfService.AtLeastOnce, false, false, 1, "sensors/1/temp", "21.5")]
    [InlineData(QualityOfService.AtLeastOnce, true, true, 65_535, "/", "x")]
    [InlineData(QualityOfService.ExactlyOnce, false, true, 0x1234, "$SYS/broker/uptime", "42")]
    [InlineData(QualityOfService.ExactlyOnce, true, false, 7, "ünï/cødé/€/😀", "payload ü")]
    public void Publish_round_trips(QualityOfService qos, bool dup, bool retain, int packetId, string topic, string payload)
    {
        var sent = new PublishPacket
        {
            Topic = topic,
            Payload = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)),
            QoS = qos,
            PacketId = (ushort)packetId,
            Dup = dup,
            Retain = retain,
        };

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));
        var read = PublishPacket.Read(header, body);

        Assert.Equal(topic, read.Topic);
        Assert.Equal(Encoding.UTF8.GetBytes(topic), read.TopicUtf8.ToArray());
        Assert.Equal(Encoding.UTF8.GetBytes(payload), read.Payload.ToArray());
        Assert.Equal(qos, read.QoS);
        Assert.Equal(packetId, read.PacketId);
        Assert.Equal(dup, read.Dup);
        Assert.Equal(retain, read.Retain);
    }

    [Fact]
    public void Qos_1_publish_is_written_as_the_spec_lays_it_out()
    {
        var packet = new PublishPacket
        {
            Topic = "a/b",
            Payload = new ReadOnlySequence<byte>("hi"u8.ToArray()),
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 10,
        };

        // 0x32: PUBLISH, QoS 1 | remaining 9 | topic "a/b" | packet id 10 | "hi"
        Assert.Equal(Wire.Hex("32 09 00 03 61 2F 62 00 0A 68 69"), Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Qos_2_dup_retain_publish_is_read_from_spec_bytes()
    {
        // 0x3D: PUBLISH, DUP, QoS 2, RETAIN.
        var (header, body) = Wire.Frame(Wire.Hex("3D 0A 00 03 61 2F 62 BE EF 01 02 03"));

        var read = PublishPacket.Read(header, body);

        Assert.Equal("a/b", read.Topic);
        Assert.Equal(QualityOfService.ExactlyOnce, read.QoS);
        Assert.Equal(0xBEEF, read.PacketId);
        Assert.True(read.Dup);
        Assert.True(read.Retain);
        Assert.Equal([1, 2, 3], read.Payload.ToArray());
    }

    [Fact]
    public void Qos_0_publish_has_no_packet_id_so_the_next_bytes_are_payload()
    {
        // Section 3.3.2.2: the packet identifier is only present at QoS 1 and 2.
        var (header, body) = Wire.Frame(Wire.Hex("31 07 00 03 61 2F 62 00 00"));

        var read = PublishPacket.Read(header, body);

        Assert.Equal(0, read.PacketId);
        Assert.True(read.Retain);
        Assert.Equal([0, 0], read.Payload.ToArray());
    }

    [Fact]
    public void Read_publish_topic_and_payload_are_slices_of_the_receive_buffer()
    {
        var packet = Wire.Hex("32 09 00 03 61 2F 62 00 0A 68 69");
        var (header, body) = Wire.Frame(packet);

        var read = PublishPacket.Read(header, body);

        Assert.True(MemoryMarshal.TryGetArray(read.Payload.First, out var payload));
        Assert.Same(packet, payload.Array);
        Assert.Equal(9, payload.Offset);
        Assert.True(MemoryMarshal.TryGetArray(read.TopicUtf8.First, out var topic));
        Assert.Same(packet, topic.Array);
        Assert.Equal(4, topic.Offset);
    }

    [Fact]
    public void Publish_with_an_empty_payload_is_allowed()
    {
        // Section 3.3.3: a zero-length payload is valid.
        var (header, body) = Wire.Frame(Wire.Hex("30 05 00 03 61 2F 62"));

        Assert.True(PublishPacket.Read(header, body).Payload.IsEmpty);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    public void Publish_with_valid_flags_is_read(int flags)
    {
        var packetId = (flags & 0x06) != 0 ? new byte[] { 0x00, 0x01 } : [];
        var (header, body) = Wire.Frame(Wire.Packet((byte)(0x30 | flags), Wire.Str("t"), packetId));

        var read = PublishPacket.Read(header, body);

        Assert.Equal((QualityOfService)((flags >> 1) & 3), read.QoS);
        Assert.Equal((flags & 0x08) != 0, read.Dup);
        Assert.Equal((flags & 0x01) != 0, read.Retain);
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.1-4")]
    [InlineData(0x36)]
    [InlineData(0x37)]
    [InlineData(0x3E)]
    [InlineData(0x3F)]
    public void Publish_with_qos_3_is_malformed(byte header)
    {
        // [MQTT-3.3.1-4] a PUBLISH must not have both QoS bits set.
        var (h, body) = Wire.Frame(Wire.Packet(header, Wire.Str("t"), [0x00, 0x01]));
        Expect.Malformed(() => PublishPacket.Read(h, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.1-2")]
    [InlineData(0x38)]
    [InlineData(0x39)]
    public void Publish_with_qos_0_and_dup_is_malformed(byte header)
    {
        // [MQTT-3.3.1-2] the DUP flag must be 0 for every QoS 0 message.
        var (h, body) = Wire.Frame(Wire.Packet(header, Wire.Str("t"), [0x00, 0x01]));
        Expect.Malformed(() => PublishPacket.Read(h, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.2-2")]
    [InlineData("+")]
    [InlineData("#")]
    [InlineData("a/+")]
    [InlineData("a/#")]
    [InlineData("a/+/b")]
    [InlineData("a+b")]
    [InlineData("sport/tennis#")]
    public void Publish_with_a_wildcard_in_its_topic_is_malformed(string topic)
    {
        // [MQTT-3.3.2-2] the topic name of a PUBLISH must not contain wildcard characters.
        var (header, body) = Wire.Frame(Wire.Packet(0x30, Wire.Str(topic), [0x01]));
        Expect.Malformed(() => PublishPacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.3-1")]
    [InlineData(0x30)]
    [InlineData(0x32)]
    public void Publish_with_an_empty_topic_is_malformed(byte header)
    {
        // [MQTT-4.7.3-1] topic names are at least one character long.
        var (h, body) = Wire.Frame(Wire.Packet(header, Wire.Str(""), [0x00, 0x01, 0x41]));
        Expect.Malformed(() => PublishPacket.Read(h, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-2.3.1-1")]
    [InlineData(0x32)]
    [InlineData(0x34)]
    [InlineData(0x3B)]
    public void Publish_at_qos_1_or_2_with_packet_id_0_is_malformed(byte header)
    {
        // [MQTT-2.3.1-1] a PUBLISH with QoS > 0 carries a non-zero packet identifier.
        var (h, body) = Wire.Frame(Wire.Packet(header, Wire.Str("a/b"), [0x00, 0x00, 0x41]));
        Expect.Malformed(() => PublishPacket.Read(h, body));
    }

    [Theory]
    [InlineData("30 00")]
    [InlineData("30 01 00")]
    [InlineData("30 04 00 03 61 2F")]
    [InlineData("30 03 FF FF 61")]
    public void Publish_whose_topic_is_longer_than_the_packet_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => PublishPacket.Read(header, body));
    }

    [Theory]
    [InlineData("32 05 00 03 61 2F 62")]
    [InlineData("34 06 00 03 61 2F 62 01")]
    public void Publish_at_qos_1_or_2_that_ends_before_its_packet_id_is_malformed(string hex)
    {
        var (header, body) = Wire.Frame(Wire.Hex(hex));
        Expect.Malformed(() => PublishPacket.Read(header, body));
    }

    [Theory]
    [Trait("Spec", "MQTT-1.5.3-1")]
    [InlineData(new byte[] { 0x61, 0xC3 })]
    [InlineData(new byte[] { 0x61, 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xED, 0xBF, 0xBF })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    [InlineData(new byte[] { 0xFF })]
    public void Publish_with_an_ill_formed_utf8_topic_is_malformed(byte[] topic)
    {
        // [MQTT-1.5.3-1] well-formed UTF-8 only, no encoded surrogates (U+D800..U+DFFF).
        var (header, body) = Wire.Frame(Wire.Packet(0x30, Wire.StrBytes(topic), [0x41]));
        Expect.Malformed(() => PublishPacket.Read(header, body));
    }

    [Fact]
    [Trait("Spec", "MQTT-1.5.3-2")]
    [Trait("Spec", "MQTT-4.7.3-2")]
    public void Publish_with_u0000_in_its_topic_is_malformed()
    {
        // [MQTT-1.5.3-2] [MQTT-4.7.3-2] topic names must not include the null character.
        var (header, body) = Wire.Frame(Wire.Packet(0x30, Wire.StrBytes([0x61, 0x00, 0x62]), [0x41]));
        Expect.Malformed(() => PublishPacket.Read(header, body));
    }

    [Fact]
    public void Publish_topic_longer_than_65535_bytes_is_refused_by_the_writer()
    {
        // Section 1.5.3: a string has a two-byte length, so a 65536-byte topic cannot be encoded.
        var packet = new PublishPacket { Topic = new string('t', 65_536), Payload = ReadOnlySequence<byte>.Empty };

        Assert.Throws<ArgumentException>(() => Wire.Encode(packet.WriteTo));
    }

    [Fact]
    public void Publish_topic_of_65535_bytes_round_trips()
    {
        var topic = new string('t', 65_535);
        var sent = new PublishPacket { Topic = topic, Payload = new ReadOnlySequence<byte>([1]) };

        var (header, body) = Wire.Frame(Wire.Encode(sent.WriteTo));
        var read = PublishPacket.Read(header, body);

        Assert.Equal(topic, read.Topic);
        Assert.Equal([1], read.Payload.ToArray());
    }
}

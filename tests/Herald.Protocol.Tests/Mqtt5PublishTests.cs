using System.Buffers;
using Herald.Protocol.Packets;
using static Herald.Protocol.Tests.Mqtt5Wire;

namespace Herald.Protocol.Tests;

/// <summary>MQTT 5 PUBLISH (section 3.3): properties between the variable header and the payload, and topic aliases.</summary>
public sealed class Mqtt5PublishTests
{
    private static PublishPacket Read(byte[] packet, ProtocolVersion version = ProtocolVersion.V500)
    {
        var (header, body) = Wire.Frame(packet);
        return PublishPacket.Read(header, body, version);
    }

    [Fact]
    public void Publish_with_every_publish_property_round_trips()
    {
        var properties = new Properties
        {
            PayloadFormatIndicator = 1,
            MessageExpiryInterval = 300,
            ContentType = "application/json",
            ResponseTopic = "replies/ü",
            CorrelationData = [0xC0, 0xFF, 0xEE],
            SubscriptionIdentifiers = [1, 200, 268_435_455],
            TopicAlias = 3,
            UserProperties = [new("k", "1"), new("k", "2"), new("j", "3")],
        };
        var sent = new PublishPacket
        {
            Topic = "sensors/1/temp",
            Payload = new ReadOnlySequence<byte>("{\"t\":21.5}"u8.ToArray()),
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 7,
            Retain = true,
            Properties = properties,
        };

        var read = Read(Encode(sent.WriteTo));

        Assert.Equal("sensors/1/temp", read.Topic);
        Assert.Equal("{\"t\":21.5}"u8.ToArray(), read.Payload.ToArray());
        Assert.Equal(QualityOfService.AtLeastOnce, read.QoS);
        Assert.Equal(7, read.PacketId);
        Assert.True(read.Retain);
        Assert.NotNull(read.Properties);
        Assert.Equal((byte)1, read.Properties.PayloadFormatIndicator);
        Assert.Equal(300u, read.Properties.MessageExpiryInterval);
        Assert.Equal("application/json", read.Properties.ContentType);
        Assert.Equal("replies/ü", read.Properties.ResponseTopic);
        Assert.Equal([0xC0, 0xFF, 0xEE], read.Properties.CorrelationData);
        Assert.Equal([1, 200, 268_435_455], read.Properties.SubscriptionIdentifiers!);
        Assert.Equal((ushort)3, read.Properties.TopicAlias);
        Assert.Equal(properties.UserProperties, read.Properties.UserProperties);
        Assert.Equal(PacketDump.Describe(properties), PacketDump.Describe(read.Properties));
    }

    [Fact]
    public void Publish_with_a_topic_alias_and_an_empty_topic_is_written_as_the_spec_lays_it_out()
    {
        var packet = new PublishPacket
        {
            Topic = "",
            Payload = new ReadOnlySequence<byte>("hi"u8.ToArray()),
            QoS = QualityOfService.AtLeastOnce,
            PacketId = 1,
            Properties = new Properties { TopicAlias = 5 },
        };

        // 0x32: PUBLISH, QoS 1 | remaining 10 | empty topic | packet id 1 | properties, length 3: 0x23 topic alias 5 | "hi"
        Assert.Equal(Wire.Hex("32 0A 00 00 00 01 03 23 00 05 68 69"), Encode(packet.WriteTo));
    }

    [Fact]
    public void Publish_with_a_topic_alias_and_an_empty_topic_is_read_from_spec_bytes()
    {
        var read = Read(Wire.Hex("32 0A 00 00 00 01 03 23 00 05 68 69"));

        Assert.Equal("", read.Topic);
        Assert.Equal(0, read.TopicUtf8.Length);
        Assert.Equal(1, read.PacketId);
        Assert.Equal((ushort)5, read.Properties?.TopicAlias);
        Assert.Equal("hi"u8.ToArray(), read.Payload.ToArray());
    }

    [Fact]
    public void Publish_with_an_empty_topic_is_accepted_by_the_codec_in_5_for_the_engine_to_resolve()
    {
        // Section 3.3.2.1: an empty topic is a protocol error only when no topic alias stands for it,
        // which depends on the connection's alias table, not on the bytes.
        var read = Read(Wire.Hex("30 03 00 00 00"));

        Assert.Equal("", read.Topic);
        Assert.Null(read.Properties);
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.3-1")]
    [InlineData("30 02 00 00")]
    [InlineData("30 06 00 00 03 23 00 05")] // a 5.0 PUBLISH with an alias read as 3.1.1: no properties there
    public void Publish_with_an_empty_topic_is_malformed_in_3_1_1(string hex) =>
        Expect.Malformed(() => Read(Wire.Hex(hex), ProtocolVersion.V311));

    [Theory]
    [Trait("Spec", "MQTT-3.3.2-2")]
    [InlineData("a/+")]
    [InlineData("#")]
    public void Publish_topic_with_a_wildcard_is_malformed_in_5_too(string topic) =>
        Expect.Malformed(() => Read(Wire.Packet(0x30, Wire.Str(topic), [0x00])));

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-18")]
    public void User_properties_are_read_in_order_with_repeated_names()
    {
        var packet = Wire.Packet(0x30, Wire.Str("t"), Props(User("k", "1"), User("j", "2"), User("k", "3"), User("k", "1")));

        var read = Read(packet);

        Assert.Equal([new("k", "1"), new("j", "2"), new("k", "3"), new("k", "1")], read.Properties!.UserProperties!);
    }

    [Fact]
    [Trait("Spec", "MQTT-3.3.2-18")]
    public void User_properties_are_written_in_order_with_repeated_names()
    {
        var packet = new PublishPacket
        {
            Topic = "t",
            Payload = ReadOnlySequence<byte>.Empty,
            Properties = new Properties { UserProperties = [new("k", "1"), new("j", "2"), new("k", "3")] },
        };

        var expected = Wire.Packet(0x30, Wire.Str("t"), Props(User("k", "1"), User("j", "2"), User("k", "3")));
        Assert.Equal(expected, Encode(packet.WriteTo));
    }

    [Fact]
    public void Several_subscription_identifiers_are_written_in_order()
    {
        var packet = new PublishPacket
        {
            Topic = "t",
            Payload = ReadOnlySequence<byte>.Empty,
            Properties = new Properties { SubscriptionIdentifiers = [128, 1, 16_384] },
        };

        // properties, length 9: 0x0B 128 (80 01), 0x0B 1, 0x0B 16384 (80 80 01)
        Assert.Equal(Wire.Hex("30 0D 00 01 74 09 0B 80 01 0B 01 0B 80 80 01"), Encode(packet.WriteTo));
    }

    [Fact]
    public void Publish_without_properties_is_written_with_a_zero_property_length()
    {
        var packet = new PublishPacket { Topic = "t", Payload = new ReadOnlySequence<byte>("hi"u8.ToArray()) };

        Assert.Equal(Wire.Hex("30 06 00 01 74 00 68 69"), Encode(packet.WriteTo));
    }

    [Fact]
    public void Payload_starts_after_the_properties_even_when_it_looks_like_properties()
    {
        // properties, length 2: payload format 1 | payload: 01 01 23 00 05
        var read = Read(Wire.Hex("30 0B 00 01 74 02 01 01 01 01 23 00 05"));

        Assert.Equal("props={PayloadFormatIndicator=1}", PacketDump.Describe(read.Properties));
        Assert.Equal(Wire.Hex("01 01 23 00 05"), read.Payload.ToArray());
    }

    [Fact]
    public void Publish_written_for_3_1_1_drops_its_properties()
    {
        var packet = new PublishPacket
        {
            Topic = "t",
            Payload = new ReadOnlySequence<byte>("hi"u8.ToArray()),
            Properties = new Properties { MessageExpiryInterval = 10, UserProperties = [new("k", "v")] },
        };

        Assert.Equal(Wire.Hex("30 05 00 01 74 68 69"), Wire.Encode(writer => packet.WriteTo(writer, ProtocolVersion.V311)));
    }

    [Fact]
    public void Publish_in_5_without_a_property_length_is_malformed()
    {
        // QoS 1, topic "t", packet id 1, and nothing after: the property length is missing.
        Expect.Malformed(() => Read(Wire.Hex("32 05 00 01 74 00 01")));
    }

    [Theory]
    [Trait("Spec", "MQTT-3.3.2-8")]
    [InlineData("30 06 00 00 03 23 00 00")]
    [InlineData("32 0A 00 01 74 00 09 03 23 00 00 78")]
    public void Publish_with_topic_alias_0_is_a_protocol_error(string hex) =>
        Expect.Error(PacketError.ProtocolError, () => Read(Wire.Hex(hex)));

    [Fact]
    public void Publish_properties_split_across_segments_read_the_same()
    {
        var packet = Encode(new PublishPacket
        {
            Topic = "a/ü",
            Payload = new ReadOnlySequence<byte>("payload"u8.ToArray()),
            QoS = QualityOfService.ExactlyOnce,
            PacketId = 0xBEEF,
            Properties = new Properties
            {
                ContentType = "text/ü",
                ResponseTopic = "r/€",
                CorrelationData = [1, 2, 3, 4, 5],
                SubscriptionIdentifiers = [2_097_152],
                UserProperties = [new("name", "värde")],
            },
        }.WriteTo);
        var (wholeHeader, wholeBody) = Wire.Frame(packet);
        var expected = PacketDump.Describe(wholeHeader, wholeBody, ProtocolVersion.V500);

        for (var at = 0; at <= packet.Length; at++)
        {
            var (header, body) = Wire.Frame(Sequences.SplitAt(packet, at));
            Assert.Equal(expected, PacketDump.Describe(header, body, ProtocolVersion.V500));
        }
        var (oneHeader, oneBody) = Wire.Frame(Sequences.OneBytePerSegment(packet));
        Assert.Equal(expected, PacketDump.Describe(oneHeader, oneBody, ProtocolVersion.V500));
        Assert.Contains("CorrelationData=0102030405", expected, StringComparison.Ordinal);
    }
}

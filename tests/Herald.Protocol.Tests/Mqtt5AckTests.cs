using Herald.Protocol.Packets;
using static Herald.Protocol.Tests.Mqtt5Wire;

namespace Herald.Protocol.Tests;

/// <summary>
/// MQTT 5 PUBACK, PUBREC, PUBREL and PUBCOMP (sections 3.4 - 3.7): a reason code and properties
/// after the packet identifier, both omitted when the reason is Success and there are no properties.
/// </summary>
public sealed class Mqtt5AckTests
{
    private static AckPacket Read(byte[] packet)
    {
        var (header, body) = Wire.Frame(packet);
        return AckPacket.Read(header, body, ProtocolVersion.V500);
    }

    public static TheoryData<PacketType, byte> Types() => new()
    {
        { PacketType.PubAck, 0x40 },
        { PacketType.PubRec, 0x50 },
        { PacketType.PubRel, 0x62 },
        { PacketType.PubComp, 0x70 },
    };

    [Theory]
    [MemberData(nameof(Types))]
    public void Success_without_properties_is_written_in_the_two_byte_form(PacketType type, byte header)
    {
        // Sections 3.4.2.1 - 3.7.2.1: the reason code and property length may be omitted for Success without properties.
        Assert.Equal([header, 0x02, 0x12, 0x34], Encode(new AckPacket(type, 0x1234) { Reason = ReasonCode.Success }.WriteTo));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Reason_without_properties_is_written_in_the_three_byte_form(PacketType type, byte header)
    {
        var reason = type == PacketType.PubRel ? ReasonCode.PacketIdentifierNotFound : ReasonCode.NotAuthorized;

        Assert.Equal([header, 0x03, 0x00, 0x01, (byte)reason], Encode(new AckPacket(type, 1) { Reason = reason }.WriteTo));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Reason_string_is_written_after_the_reason_code(PacketType type, byte header)
    {
        var packet = new AckPacket(type, 1) { Reason = ReasonCode.ImplementationSpecificError, Properties = new Properties { ReasonString = "why" } };

        // header | remaining 10 | packet id 1 | 0x83 | properties, length 6: 0x1F "why"
        Assert.Equal([header, .. Wire.Hex("0A 00 01 83 06 1F 00 03 77 68 79")], Encode(packet.WriteTo));
    }

    [Fact]
    public void Success_with_properties_keeps_its_reason_byte()
    {
        var packet = new AckPacket(PacketType.PubAck, 1) { Properties = new Properties { UserProperties = [new("k", "v")] } };

        Assert.Equal(Wire.Hex("40 0B 00 01 00 07 26 00 01 6B 00 01 76"), Encode(packet.WriteTo));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Two_byte_form_reads_as_success_without_properties(PacketType type, byte header)
    {
        var read = Read([header, 0x02, 0xAB, 0xCD]);

        Assert.Equal(type, read.Type);
        Assert.Equal(0xABCD, read.PacketId);
        Assert.Equal(ReasonCode.Success, read.Reason);
        Assert.Null(read.Properties);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Three_byte_form_reads_as_a_reason_without_properties(PacketType type, byte header)
    {
        // Section 3.4.2.2.1: with a remaining length below 4 there is no property length.
        var read = Read([header, 0x03, 0x00, 0x07, 0x10]);

        Assert.Equal(type, read.Type);
        Assert.Equal(7, read.PacketId);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, read.Reason);
        Assert.Null(read.Properties);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Four_byte_form_with_a_zero_property_length_reads_as_a_reason_without_properties(PacketType type, byte header)
    {
        var read = Read([header, 0x04, 0x00, 0x07, 0x80, 0x00]);

        Assert.Equal(type, read.Type);
        Assert.Equal(ReasonCode.UnspecifiedError, read.Reason);
        Assert.Null(read.Properties);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Longer_form_reads_reason_string_and_user_properties(PacketType type, byte header)
    {
        var read = Read(Wire.Packet(header, [0x00, 0x07, 0x97], Props(Str(PropertyId.ReasonString, "quota"), User("k", "1"), User("k", "2"))));

        Assert.Equal(type, read.Type);
        Assert.Equal(7, read.PacketId);
        Assert.Equal(ReasonCode.QuotaExceeded, read.Reason);
        Assert.Equal("quota", read.Properties?.ReasonString);
        Assert.Equal([new("k", "1"), new("k", "2")], read.Properties!.UserProperties!);
    }

    [Theory]
    [InlineData(PacketType.PubAck, ReasonCode.Success)]
    [InlineData(PacketType.PubAck, ReasonCode.NoMatchingSubscribers)]
    [InlineData(PacketType.PubAck, ReasonCode.UnspecifiedError)]
    [InlineData(PacketType.PubAck, ReasonCode.ImplementationSpecificError)]
    [InlineData(PacketType.PubAck, ReasonCode.NotAuthorized)]
    [InlineData(PacketType.PubAck, ReasonCode.TopicNameInvalid)]
    [InlineData(PacketType.PubAck, ReasonCode.PacketIdentifierInUse)]
    [InlineData(PacketType.PubAck, ReasonCode.QuotaExceeded)]
    [InlineData(PacketType.PubAck, ReasonCode.PayloadFormatInvalid)]
    [InlineData(PacketType.PubRec, ReasonCode.NoMatchingSubscribers)]
    [InlineData(PacketType.PubRec, ReasonCode.QuotaExceeded)]
    [InlineData(PacketType.PubRel, ReasonCode.PacketIdentifierNotFound)]
    [InlineData(PacketType.PubComp, ReasonCode.PacketIdentifierNotFound)]
    public void Acknowledgement_with_a_reason_and_reason_string_round_trips(PacketType type, ReasonCode reason)
    {
        var sent = new AckPacket(type, 0xFFFF) { Reason = reason, Properties = new Properties { ReasonString = $"r{(byte)reason}" } };

        var read = Read(Encode(sent.WriteTo));

        Assert.Equal(type, read.Type);
        Assert.Equal(0xFFFF, read.PacketId);
        Assert.Equal(reason, read.Reason);
        Assert.Equal($"r{(byte)reason}", read.Properties?.ReasonString);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void Acknowledgement_written_for_3_1_1_is_the_packet_id_alone(PacketType type, byte header)
    {
        var packet = new AckPacket(type, 1) { Reason = ReasonCode.UnspecifiedError, Properties = new Properties { ReasonString = "x" } };

        Assert.Equal([header, 0x02, 0x00, 0x01], Wire.Encode(writer => packet.WriteTo(writer, ProtocolVersion.V311)));
    }

    [Theory]
    [InlineData("40 00")] // nothing
    [InlineData("40 01 00")] // half a packet id
    [InlineData("40 05 00 01 00 00 FF")] // a byte after the properties
    [InlineData("40 05 00 01 00 05 1F")] // property length beyond the packet
    [InlineData("50 03 00 00 10")] // packet id 0 in the three-byte form [MQTT-2.3.1-1]
    [InlineData("62 04 00 00 00 00")] // packet id 0 in the four-byte form [MQTT-2.3.1-1]
    public void Malformed_acknowledgement_is_refused(string hex) =>
        Expect.Malformed(() => Read(Wire.Hex(hex)));

    [Fact]
    public void Acknowledgement_with_a_reason_byte_is_malformed_in_3_1_1()
    {
        var (header, body) = Wire.Frame(Wire.Hex("40 03 00 01 10"));

        Expect.Malformed(() => AckPacket.Read(header, body, ProtocolVersion.V311));
    }
}

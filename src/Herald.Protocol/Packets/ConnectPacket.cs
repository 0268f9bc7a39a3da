using System.Buffers;
using System.Buffers.Binary;

namespace Herald.Protocol.Packets;

/// <summary>CONNECT (section 3.1).</summary>
public sealed class ConnectPacket
{
    public const string ProtocolName311 = "MQTT";
    public const string ProtocolName31 = "MQIsdp";

    public ProtocolVersion Version { get; init; } = ProtocolVersion.V311;
    public bool CleanSession { get; init; } = true;
    public ushort KeepAliveSeconds { get; init; }
    public string ClientId { get; init; } = "";
    public ConnectWill? Will { get; init; }
    public string? Username { get; init; }
    public byte[]? Password { get; init; }

    /// <summary>MQTT 5 CONNECT properties.</summary>
    public Properties? Properties { get; init; }

    public static string ProtocolNameOf(ProtocolVersion version) =>
        version == ProtocolVersion.V310 ? ProtocolName31 : ProtocolName311;

    /// <exception cref="PacketException">
    /// Malformed, or <see cref="PacketError.UnsupportedProtocolVersion"/> for a level this reader does not speak.
    /// </exception>
    public static ConnectPacket Read(byte header, in ReadOnlySequence<byte> body)
    {
        PacketFrame.ValidateFlags(header);
        var reader = new SequenceReader<byte>(body);
        var name = WireFormat.ReadString(ref reader);
        if (name != ProtocolName311 && name != ProtocolName31)
            throw PacketException.Malformed($"unknown protocol name '{name}'"); // [MQTT-3.1.2-1]
        var level = (ProtocolVersion)WireFormat.ReadByte(ref reader);
        var supported = (name, level) is (ProtocolName311, ProtocolVersion.V311 or ProtocolVersion.V500) or (ProtocolName31, ProtocolVersion.V310);
        if (!supported)
            throw new PacketException(PacketError.UnsupportedProtocolVersion, $"protocol '{name}' level {(byte)level} is not supported"); // [MQTT-3.1.2-2]

        var flags = WireFormat.ReadByte(ref reader);
        if ((flags & 0x01) != 0)
            throw PacketException.Malformed("CONNECT reserved flag is set"); // [MQTT-3.1.2-3]
        var hasWill = (flags & 0x04) != 0;
        var willQos = (flags >> 3) & 0x03;
        var willRetain = (flags & 0x20) != 0;
        var hasPassword = (flags & 0x40) != 0;
        var hasUsername = (flags & 0x80) != 0;
        if (willQos == 3)
            throw PacketException.Malformed("will QoS is 3"); // [MQTT-3.1.2-14]
        if (!hasWill && (willQos != 0 || willRetain))
            throw PacketException.Malformed("will QoS or retain set without a will"); // [MQTT-3.1.2-11] [MQTT-3.1.2-13] [MQTT-3.1.2-15]
        if (hasPassword && !hasUsername && level != ProtocolVersion.V500)
            throw PacketException.Malformed("password flag set without username flag"); // [MQTT-3.1.2-22]

        var keepAlive = WireFormat.ReadUInt16(ref reader);
        var v5 = level == ProtocolVersion.V500;
        var properties = v5 ? Properties.Read(ref reader, (int)PacketType.Connect) : null;
        var clientId = WireFormat.ReadString(ref reader);
        ConnectWill? will = null;
        if (hasWill)
        {
            var willProperties = v5 ? Properties.Read(ref reader, Properties.WillContext) : null;
            var topic = WireFormat.ReadString(ref reader);
            if (!TopicRules.IsValidTopicName(topic))
                throw PacketException.Malformed($"will topic '{topic}' is not a valid topic name");
            will = new ConnectWill(topic, WireFormat.ReadBinary(ref reader), (QualityOfService)willQos, willRetain) { Properties = willProperties };
        }
        var username = hasUsername ? WireFormat.ReadString(ref reader) : null;
        var password = hasPassword ? WireFormat.ReadBinary(ref reader) : null;
        if (!reader.End)
            throw PacketException.Malformed("CONNECT has bytes after its payload");

        return new ConnectPacket
        {
            Version = level,
            CleanSession = (flags & 0x02) != 0,
            KeepAliveSeconds = keepAlive,
            ClientId = clientId,
            Will = will,
            Username = username,
            Password = password,
            Properties = properties,
        };
    }

    public void WriteTo(IBufferWriter<byte> writer)
    {
        var name = ProtocolNameOf(Version);
        var v5 = Version == ProtocolVersion.V500;
        var remaining = WireFormat.StringSize(name) + 1 + 1 + 2 + WireFormat.StringSize(ClientId);
        if (v5)
            remaining += Properties.SizeOf(Properties);
        if (Will is not null)
            remaining += WireFormat.StringSize(Will.Topic) + WireFormat.BinarySize(Will.Payload) + (v5 ? Properties.SizeOf(Will.Properties) : 0);
        if (Username is not null)
            remaining += WireFormat.StringSize(Username);
        if (Password is not null)
            remaining += WireFormat.BinarySize(Password);

        var span = writer.GetSpan(PacketFrame.PacketSize(remaining));
        var i = PacketFrame.WriteHeader(span, (byte)PacketType.Connect << 4, remaining);
        i += WireFormat.WriteString(span[i..], name);
        span[i++] = (byte)Version;
        span[i++] = Flags();
        BinaryPrimitives.WriteUInt16BigEndian(span[i..], KeepAliveSeconds);
        i += 2;
        if (v5)
            i += Properties.Write(span[i..], Properties);
        i += WireFormat.WriteString(span[i..], ClientId);
        if (Will is not null)
        {
            if (v5)
                i += Properties.Write(span[i..], Will.Properties);
            i += WireFormat.WriteString(span[i..], Will.Topic);
            i += WireFormat.WriteBinary(span[i..], Will.Payload);
        }
        if (Username is not null)
            i += WireFormat.WriteString(span[i..], Username);
        if (Password is not null)
            i += WireFormat.WriteBinary(span[i..], Password);
        writer.Advance(i);
    }

    private byte Flags()
    {
        var flags = CleanSession ? 0x02 : 0;
        if (Will is not null)
            flags |= 0x04 | ((int)Will.QoS << 3) | (Will.Retain ? 0x20 : 0);
        if (Password is not null)
            flags |= 0x40;
        if (Username is not null)
            flags |= 0x80;
        return (byte)flags;
    }
}

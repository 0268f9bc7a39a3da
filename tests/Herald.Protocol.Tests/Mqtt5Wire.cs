using System.Buffers;
using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>
/// Builds MQTT 5 property bytes by hand (section 2.2.2), independently of <see cref="Properties"/>,
/// and packets of every type around a given property block.
/// </summary>
public static class Mqtt5Wire
{
    /// <summary>A property list: its length as a variable byte integer, then the properties.</summary>
    public static byte[] Props(params byte[][] properties)
    {
        var body = properties.SelectMany(p => p).ToArray();
        return [.. Vbi(body.Length), .. body];
    }

    /// <summary>A variable byte integer (section 1.5.5).</summary>
    public static byte[] Vbi(int value)
    {
        var bytes = new List<byte>();
        do
        {
            var digit = (byte)(value % 128);
            value /= 128;
            if (value > 0)
                digit |= 0x80;
            bytes.Add(digit);
        }
        while (value > 0);
        return [.. bytes];
    }

    public static byte[] Byte(PropertyId id, byte value) => [(byte)id, value];

    public static byte[] UInt16(PropertyId id, ushort value) => [(byte)id, (byte)(value >> 8), (byte)value];

    public static byte[] UInt32(PropertyId id, uint value) =>
        [(byte)id, (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] Str(PropertyId id, string value) => [(byte)id, .. Wire.Str(value)];

    public static byte[] Bin(PropertyId id, params byte[] value) => [(byte)id, .. Wire.StrBytes(value)];

    public static byte[] VarInt(PropertyId id, int value) => [(byte)id, .. Vbi(value)];

    public static byte[] User(string name, string value) => [(byte)PropertyId.UserProperty, .. Wire.Str(name), .. Wire.Str(value)];

    /// <summary>Where a property block can travel: a packet type, or the will properties of CONNECT.</summary>
    public enum Place
    {
        Connect,
        Will,
        ConnAck,
        Publish,
        PubAck,
        PubRec,
        PubRel,
        PubComp,
        Subscribe,
        SubAck,
        Unsubscribe,
        UnsubAck,
        Disconnect,
        Auth,
    }

    /// <summary>A minimal valid MQTT 5 packet of <paramref name="place"/> that carries <paramref name="properties"/> (a whole property list).</summary>
    public static byte[] PacketWith(Place place, byte[] properties)
    {
        byte[] mqtt = [.. Wire.Str("MQTT"), 0x05];
        return place switch
        {
            // flags 0x02: clean start | keep alive 60 | properties | client id "c"
            Place.Connect => Wire.Packet(0x10, mqtt, [0x02, 0x00, 0x3C], properties, Wire.Str("c")),
            // flags 0x06: will, clean start | no CONNECT properties | "c" | will properties | will topic "w" | will payload "x"
            Place.Will => Wire.Packet(0x10, mqtt, [0x06, 0x00, 0x3C, 0x00], Wire.Str("c"), properties, Wire.Str("w"), Wire.Str("x")),
            Place.ConnAck => Wire.Packet(0x20, [0x00, 0x00], properties),
            // QoS 1, topic "t", packet id 1, payload "p"
            Place.Publish => Wire.Packet(0x32, Wire.Str("t"), [0x00, 0x01], properties, [0x70]),
            Place.PubAck => Wire.Packet(0x40, [0x00, 0x01, 0x00], properties),
            Place.PubRec => Wire.Packet(0x50, [0x00, 0x01, 0x00], properties),
            Place.PubRel => Wire.Packet(0x62, [0x00, 0x01, 0x00], properties),
            Place.PubComp => Wire.Packet(0x70, [0x00, 0x01, 0x00], properties),
            Place.Subscribe => Wire.Packet(0x82, [0x00, 0x01], properties, Wire.Str("t"), [0x01]),
            Place.SubAck => Wire.Packet(0x90, [0x00, 0x01], properties, [0x00]),
            Place.Unsubscribe => Wire.Packet(0xA2, [0x00, 0x01], properties, Wire.Str("t")),
            Place.UnsubAck => Wire.Packet(0xB0, [0x00, 0x01], properties, [0x00]),
            Place.Disconnect => Wire.Packet(0xE0, [0x00], properties),
            Place.Auth => Wire.Packet(0xF0, [0x18], properties),
            _ => throw new ArgumentOutOfRangeException(nameof(place)),
        };
    }

    /// <summary>Frames one whole MQTT 5 packet and reads it with the reader of its type.</summary>
    public static string Read(byte[] packet)
    {
        var (header, body) = Wire.Frame(packet);
        return PacketDump.Describe(header, body, ProtocolVersion.V500);
    }

    /// <summary>The properties a reader returns for <paramref name="place"/>.</summary>
    public static Properties? ReadProperties(Place place, byte[] packet)
    {
        var (header, body) = Wire.Frame(packet);
        var v5 = ProtocolVersion.V500;
        return place switch
        {
            Place.Connect => ConnectPacket.Read(header, body).Properties,
            Place.Will => ConnectPacket.Read(header, body).Will?.Properties,
            Place.ConnAck => ConnAckPacket.Read(header, body, v5).Properties,
            Place.Publish => PublishPacket.Read(header, body, v5).Properties,
            Place.PubAck or Place.PubRec or Place.PubRel or Place.PubComp => AckPacket.Read(header, body, v5).Properties,
            Place.Subscribe => SubscribePacket.Read(header, body, v5).Properties,
            Place.SubAck => SubAckPacket.Read(header, body, v5).Properties,
            Place.Unsubscribe => UnsubscribePacket.Read(header, body, v5).Properties,
            Place.UnsubAck => UnsubAckPacket.Read(header, body, v5).Properties,
            Place.Disconnect or Place.Auth => ReasonPacket.Read(header, body, v5).Properties,
            _ => throw new ArgumentOutOfRangeException(nameof(place)),
        };
    }

    /// <summary>Encodes with a writer that takes a protocol version, for MQTT 5.</summary>
    public static byte[] Encode(Action<IBufferWriter<byte>, ProtocolVersion> write) =>
        Wire.Encode(writer => write(writer, ProtocolVersion.V500));
}

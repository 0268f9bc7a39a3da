using System.Buffers;
using System.Collections;
using System.Reflection;
using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>
/// Reads a framed packet with the reader of its type, as the broker's dispatch does, and describes
/// every field as text, so two parses of the same bytes can be compared. For MQTT 5 the text also
/// holds reason codes, subscription options and every property.
/// </summary>
internal static class PacketDump
{
    public static string Describe(byte header, in ReadOnlySequence<byte> body) => Describe(header, body, ProtocolVersion.V311);

    public static string Describe(byte header, in ReadOnlySequence<byte> body, ProtocolVersion version)
    {
        var v5 = version == ProtocolVersion.V500;
        var type = PacketFrame.TypeOf(header);
        switch (type)
        {
            case PacketType.Connect:
                return Describe(ConnectPacket.Read(header, body));
            case PacketType.ConnAck:
                var connAck = ConnAckPacket.Read(header, body, version);
                return v5
                    ? $"CONNACK present={connAck.SessionPresent} reason={connAck.Reason} {Describe(connAck.Properties)}"
                    : $"CONNACK present={connAck.SessionPresent} code={connAck.ReturnCode}";
            case PacketType.Publish:
                var publish = PublishPacket.Read(header, body, version);
                return $"PUBLISH topic={publish.Topic} topicUtf8={Wire.ToHex(publish.TopicUtf8)} qos={publish.QoS} id={publish.PacketId} "
                    + $"dup={publish.Dup} retain={publish.Retain} payload={Wire.ToHex(publish.Payload)}"
                    + (v5 ? $" {Describe(publish.Properties)}" : "");
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                var ack = AckPacket.Read(header, body, version);
                return $"{ack.Type} id={ack.PacketId}" + (v5 ? $" reason={ack.Reason} {Describe(ack.Properties)}" : "");
            case PacketType.Subscribe:
                var subscribe = SubscribePacket.Read(header, body, version);
                var subscriptions = new List<string>();
                foreach (var s in subscribe.Subscriptions)
                {
                    subscriptions.Add(v5
                        ? $"{s.Filter}:{s.QoS}:noLocal={s.NoLocal}:rap={s.RetainAsPublished}:rh={s.RetainHandling}"
                        : $"{s.Filter}:{s.QoS}");
                }
                return $"SUBSCRIBE id={subscribe.PacketId} [{string.Join(", ", subscriptions)}]" + (v5 ? $" {Describe(subscribe.Properties)}" : "");
            case PacketType.SubAck:
                var subAck = SubAckPacket.Read(header, body, version);
                return $"SUBACK id={subAck.PacketId} [{string.Join(", ", subAck.ReturnCodes)}]" + (v5 ? $" {Describe(subAck.Properties)}" : "");
            case PacketType.Unsubscribe:
                var unsubscribe = UnsubscribePacket.Read(header, body, version);
                return $"UNSUBSCRIBE id={unsubscribe.PacketId} [{string.Join(", ", unsubscribe.Filters)}]" + (v5 ? $" {Describe(unsubscribe.Properties)}" : "");
            case PacketType.UnsubAck:
                var unsubAck = UnsubAckPacket.Read(header, body, version);
                return v5
                    ? $"UNSUBACK id={unsubAck.PacketId} [{string.Join(", ", unsubAck.ReasonCodes ?? [])}] {Describe(unsubAck.Properties)}"
                    : $"UNSUBACK id={unsubAck.PacketId}";
            case PacketType.Disconnect or PacketType.Auth when v5:
                var reason = ReasonPacket.Read(header, body, version);
                return $"{reason.Type} reason={reason.Reason} {Describe(reason.Properties)}";
            case PacketType.PingReq or PacketType.PingResp or PacketType.Disconnect:
                PacketFrame.ValidateFlags(header);
                PacketFrame.ValidateEmpty(type, body);
                return type.ToString();
            default:
                throw PacketException.Malformed($"packet type {(int)type} is reserved in MQTT 3.1.1");
        }
    }

    /// <summary>
    /// Every property that is set, in declaration order, as <c>Name=value</c>; lists keep their order
    /// and repeats. "props=-" for none. Reflection keeps this complete as properties are added.
    /// </summary>
    public static string Describe(Properties? properties)
    {
        if (properties is null)
            return "props=-";
        var parts = new List<string>();
        foreach (var property in typeof(Properties).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var value = property.GetValue(properties);
            if (value is not null)
                parts.Add($"{property.Name}={Format(value)}");
        }
        return $"props={{{string.Join("; ", parts)}}}";
    }

    private static string Format(object value) => value switch
    {
        byte[] bytes => Convert.ToHexString(bytes),
        string text => $"'{text}'",
        IEnumerable list => $"[{string.Join(", ", list.Cast<object>().Select(Format))}]",
        _ => value.ToString() ?? "",
    };

    private static string Describe(ConnectPacket c)
    {
        var will = c.Will is null ? "-" : $"{c.Will.Topic}:{Convert.ToHexString(c.Will.Payload)}:{c.Will.QoS}:{c.Will.Retain}";
        var password = c.Password is null ? "-" : Convert.ToHexString(c.Password);
        var text = $"CONNECT version={c.Version} clean={c.CleanSession} keepAlive={c.KeepAliveSeconds} clientId={c.ClientId} "
            + $"will={will} username={c.Username ?? "-"} password={password}";
        if (c.Version == ProtocolVersion.V500)
            text += $" {Describe(c.Properties)} will{Describe(c.Will?.Properties)}";
        return text;
    }
}

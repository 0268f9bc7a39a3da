using System.Buffers;
using Herald.Protocol.Packets;

namespace Herald.Protocol.Tests;

/// <summary>
/// Reads a framed packet with the reader of its type, as the broker's dispatch does, and describes
/// every field as text, so two parses of the same bytes can be compared.
/// </summary>
internal static class PacketDump
{
    public static string Describe(byte header, in ReadOnlySequence<byte> body)
    {
        var type = PacketFrame.TypeOf(header);
        switch (type)
        {
            case PacketType.Connect:
                return Describe(ConnectPacket.Read(header, body));
            case PacketType.ConnAck:
                var connAck = ConnAckPacket.Read(header, body);
                return $"CONNACK present={connAck.SessionPresent} code={connAck.ReturnCode}";
            case PacketType.Publish:
                var publish = PublishPacket.Read(header, body);
                return $"PUBLISH topic={publish.Topic} topicUtf8={Wire.ToHex(publish.TopicUtf8)} qos={publish.QoS} id={publish.PacketId} "
                    + $"dup={publish.Dup} retain={publish.Retain} payload={Wire.ToHex(publish.Payload)}";
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                var ack = AckPacket.Read(header, body);
                return $"{ack.Type} id={ack.PacketId}";
            case PacketType.Subscribe:
                var subscribe = SubscribePacket.Read(header, body);
                var subscriptions = new List<string>();
                foreach (var s in subscribe.Subscriptions)
                    subscriptions.Add($"{s.Filter}:{s.QoS}");
                return $"SUBSCRIBE id={subscribe.PacketId} [{string.Join(", ", subscriptions)}]";
            case PacketType.SubAck:
                var subAck = SubAckPacket.Read(header, body);
                return $"SUBACK id={subAck.PacketId} [{string.Join(", ", subAck.ReturnCodes)}]";
            case PacketType.Unsubscribe:
                var unsubscribe = UnsubscribePacket.Read(header, body);
                return $"UNSUBSCRIBE id={unsubscribe.PacketId} [{string.Join(", ", unsubscribe.Filters)}]";
            case PacketType.UnsubAck:
                return $"UNSUBACK id={UnsubAckPacket.Read(header, body).PacketId}";
            case PacketType.PingReq or PacketType.PingResp or PacketType.Disconnect:
                PacketFrame.ValidateFlags(header);
                PacketFrame.ValidateEmpty(type, body);
                return type.ToString();
            default:
                throw PacketException.Malformed($"packet type {(int)type} is reserved in MQTT 3.1.1");
        }
    }

    private static string Describe(ConnectPacket c)
    {
        var will = c.Will is null ? "-" : $"{c.Will.Topic}:{Convert.ToHexString(c.Will.Payload)}:{c.Will.QoS}:{c.Will.Retain}";
        var password = c.Password is null ? "-" : Convert.ToHexString(c.Password);
        return $"CONNECT version={c.Version} clean={c.CleanSession} keepAlive={c.KeepAliveSeconds} clientId={c.ClientId} "
            + $"will={will} username={c.Username ?? "-"} password={password}";
    }
}

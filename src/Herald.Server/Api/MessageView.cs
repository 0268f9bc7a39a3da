using System.Text;
using System.Text.Unicode;
using Herald.Broker.Inbox;
using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Server.Api;

/// <summary>
/// A message as the API shows it: the payload as text when it is UTF-8, else as base64 (one of
/// <see cref="Payload"/> and <see cref="PayloadBase64"/> is set), and its MQTT 5 properties, the
/// correlation data the same way.
/// </summary>
public sealed record MessageView(
    string Topic,
    string? Payload,
    string? PayloadBase64,
    int Size,
    int Qos,
    bool Retain,
    uint? MessageExpiryInterval,
    string? ContentType,
    string? ResponseTopic,
    string? CorrelationData,
    string? CorrelationDataBase64,
    Dictionary<string, string>? UserProperties)
{
    public static MessageView From(Message message, TimeProvider time) => Of(
        message.Topic, message.Payload.Span, message.QoS, message.Retain, message.RemainingExpiry(time), message.Properties);

    public static MessageView From(InboxMessage message) => Of(
        message.Topic, message.Payload, message.Qos, retain: false, message.MessageExpiryInterval, new Properties
        {
            ContentType = message.ContentType,
            ResponseTopic = message.ResponseTopic,
            CorrelationData = message.CorrelationData,
            UserProperties = [.. message.UserProperties],
        });

    private static MessageView Of(string topic, ReadOnlySpan<byte> payload, QualityOfService qos, bool retain, uint? expiry, Properties? properties)
    {
        var isText = Utf8.IsValid(payload);
        var correlation = properties?.CorrelationData;
        return new MessageView(
            topic,
            isText ? Encoding.UTF8.GetString(payload) : null,
            isText ? null : Convert.ToBase64String(payload),
            payload.Length,
            (int)qos,
            retain,
            expiry,
            properties?.ContentType,
            properties?.ResponseTopic,
            correlation is not null && Utf8.IsValid(correlation) ? Encoding.UTF8.GetString(correlation) : null,
            correlation is not null && !Utf8.IsValid(correlation) ? Convert.ToBase64String(correlation) : null,
            properties?.UserProperties is { Count: > 0 } pairs ? pairs.GroupBy(p => p.Name).ToDictionary(g => g.Key, g => g.Last().Value) : null);
    }
}

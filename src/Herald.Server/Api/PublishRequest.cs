using System.Text;
using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Server.Api;

/// <summary>
/// One message to publish or push, as JSON: the payload as text (<c>payload</c>) or bytes
/// (<c>payload_base64</c>), QoS, RETAIN and the MQTT 5 properties a publisher may set.
/// </summary>
public sealed record PublishRequest(
    string? Topic,
    string? Payload,
    string? PayloadBase64,
    int? Qos,
    bool? Retain,
    long? MessageExpiryInterval,
    string? ContentType,
    string? ResponseTopic,
    string? CorrelationData,
    Dictionary<string, string>? UserProperties)
{
    /// <summary>The message it asks for, or the field at fault and why.</summary>
    /// <param name="defaultTopic">The topic when the request names none (a push); null makes the topic required.</param>
    /// <param name="retainAllowed">False for pushes, which go to sessions and not to a topic's future subscribers.</param>
    public Validated Validate(string? defaultTopic, bool retainAllowed, int maxPayloadBytes, long timestamp)
    {
        var topic = Topic ?? defaultTopic;
        if (topic is null)
            return Validated.Fault("topic", "is required");
        if (!TopicRules.IsValidTopicName(topic) || Encoding.UTF8.GetByteCount(topic) > ushort.MaxValue)
            return Validated.Fault("topic", "must be a topic name: not empty, no '+' or '#', at most 65535 bytes");
        if (topic.StartsWith('$'))
            return Validated.Fault("topic", "cannot start with '$': those topics are the server's");
        if (Payload is not null && PayloadBase64 is not null)
            return Validated.Fault("payload", "give either payload (text) or payload_base64, not both");
        byte[] payload;
        if (PayloadBase64 is not null)
        {
            try
            {
                payload = Convert.FromBase64String(PayloadBase64);
            }
            catch (FormatException)
            {
                return Validated.Fault("payload_base64", "is not valid base64");
            }
        }
        else
        {
            payload = Encoding.UTF8.GetBytes(Payload ?? "");
        }
        if (payload.Length > maxPayloadBytes)
            return Validated.Fault(PayloadBase64 is null ? "payload" : "payload_base64", $"is {payload.Length} bytes, more than the {maxPayloadBytes} a message may carry");
        if (Qos is < 0 or > 2)
            return Validated.Fault("qos", "must be 0, 1 or 2");
        if (Retain == true && !retainAllowed)
            return Validated.Fault("retain", "a push goes to sessions, not to a topic: publish to the topic to retain a message");
        if (MessageExpiryInterval is < 1 or > uint.MaxValue)
            return Validated.Fault("message_expiry_interval", $"must be between 1 and {uint.MaxValue} seconds");
        if (ResponseTopic is not null && !TopicRules.IsValidTopicName(ResponseTopic))
            return Validated.Fault("response_topic", "must be a topic name: not empty, no '+' or '#'");
        if (UserProperties is not null && UserProperties.Keys.Any(k => k.Length == 0))
            return Validated.Fault("user_properties", "a property name cannot be empty");

        Properties? properties = null;
        if (MessageExpiryInterval is not null || ContentType is not null || ResponseTopic is not null || CorrelationData is not null || UserProperties is { Count: > 0 })
        {
            properties = new Properties
            {
                MessageExpiryInterval = (uint?)MessageExpiryInterval,
                ContentType = ContentType,
                ResponseTopic = ResponseTopic,
                CorrelationData = CorrelationData is null ? null : Encoding.UTF8.GetBytes(CorrelationData),
                UserProperties = UserProperties is { Count: > 0 } ? [.. UserProperties.Select(p => new UserProperty(p.Key, p.Value))] : null,
            };
        }
        var qos = (QualityOfService)(Qos ?? 0);
        return new Validated(Message.Create(topic, payload, qos, Retain ?? false, properties, origin: null, timestamp), null, null);
    }

    /// <summary>A message, or the JSON field at fault and the problem.</summary>
    public sealed record Validated(Message? Message, string? Field, string? Problem)
    {
        public static Validated Fault(string field, string problem) => new(null, field, problem);
    }
}

using System.Text;
using System.Text.Json.Serialization;
using Herald.Broker.Messages;
using Herald.Protocol;

namespace Herald.Server.Api;

/// <summary>
/// One message to publish or push, as JSON: the payload as text (<c>payload</c>) or bytes
/// (<c>payload_base64</c>), QoS, RETAIN and the MQTT 5 properties a publisher may set. Every field
/// is optional (a push has a default topic); an unknown field is refused rather than ignored, so a
/// misspelt "payload" with "retain" cannot clear a retained message.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed class PublishRequest
{
    public string? Topic { get; init; }

    /// <summary>The payload as text, sent as its UTF-8 bytes.</summary>
    public string? Payload { get; init; }

    public string? PayloadBase64 { get; init; }

    /// <summary>0, 1 or 2; 0 when left out.</summary>
    public int? Qos { get; init; }

    public bool? Retain { get; init; }

    /// <summary>Seconds the message lives, counted from now; it never expires when left out.</summary>
    public long? MessageExpiryInterval { get; init; }

    public string? ContentType { get; init; }

    public string? ResponseTopic { get; init; }

    /// <summary>Correlation data as text, sent as its UTF-8 bytes.</summary>
    public string? CorrelationData { get; init; }

    public string? CorrelationDataBase64 { get; init; }

    public Dictionary<string, string>? UserProperties { get; init; }

    /// <summary>The message it asks for, or the field at fault and why.</summary>
    /// <param name="defaultTopic">The topic when the request names none (a push); null makes the topic required.</param>
    /// <param name="retainAllowed">False for pushes, which go to sessions and not to a topic's future subscribers.</param>
    /// <param name="maxPacketSize">The largest PUBLISH the message may make (the server's Maximum Packet Size).</param>
    public Validated Validate(string? defaultTopic, bool retainAllowed, int maxPacketSize, long timestamp)
    {
        var topic = Topic ?? defaultTopic;
        if (topic is null)
            return Validated.Fault("topic", "is required");
        if (!TopicRules.IsValidTopicName(topic) || !IsMqttString(topic))
            return Validated.Fault("topic", "must be a topic name: not empty, no '+', '#' or U+0000, at most 65535 bytes");
        if (topic.StartsWith('$'))
            return Validated.Fault("topic", "cannot start with '$': those topics are the server's");
        if (Payload is not null && PayloadBase64 is not null)
            return Validated.Fault("payload", "give either payload (text) or payload_base64, not both");
        if (!TryBytes(Payload, PayloadBase64, out var payload))
            return Validated.Fault("payload_base64", "is not valid base64");
        if (Qos is < 0 or > 2)
            return Validated.Fault("qos", "must be 0, 1 or 2");
        if (Retain == true && !retainAllowed)
            return Validated.Fault("retain", "a push goes to sessions, not to a topic: publish to the topic to retain a message");
        if (MessageExpiryInterval is < 1 or > uint.MaxValue)
            return Validated.Fault("message_expiry_interval", $"must be between 1 and {uint.MaxValue} seconds");
        if (ContentType is not null && !IsMqttString(ContentType))
            return Validated.Fault("content_type", "must be a UTF-8 string without U+0000, at most 65535 bytes");
        if (ResponseTopic is not null && (!TopicRules.IsValidTopicName(ResponseTopic) || !IsMqttString(ResponseTopic)))
            return Validated.Fault("response_topic", "must be a topic name: not empty, no '+', '#' or U+0000");
        if (CorrelationData is not null && CorrelationDataBase64 is not null)
            return Validated.Fault("correlation_data", "give either correlation_data (text) or correlation_data_base64, not both");
        if (!TryBytes(CorrelationData, CorrelationDataBase64, out var correlation))
            return Validated.Fault("correlation_data_base64", "is not valid base64");
        if (UserProperties is not null && UserProperties.Any(p => p.Key.Length == 0 || !IsMqttString(p.Key) || !IsMqttString(p.Value ?? "\0")))
            return Validated.Fault("user_properties", "names must be non-empty, values present, both UTF-8 strings without U+0000");

        Properties? properties = null;
        if (MessageExpiryInterval is not null || ContentType is not null || ResponseTopic is not null || correlation.Length > 0 || UserProperties is { Count: > 0 })
        {
            properties = new Properties
            {
                MessageExpiryInterval = (uint?)MessageExpiryInterval,
                ContentType = ContentType,
                ResponseTopic = ResponseTopic,
                CorrelationData = CorrelationData is null && CorrelationDataBase64 is null ? null : correlation,
                UserProperties = UserProperties is { Count: > 0 } ? [.. UserProperties.Select(p => new UserProperty(p.Key, p.Value))] : null,
            };
        }
        var qos = (QualityOfService)(Qos ?? 0);
        var message = Message.Create(topic, payload, qos, Retain ?? false, properties, origin: null, timestamp);
        if (message.PublishSize(ProtocolVersion.V500, qos, subscriptionIds: null) > maxPacketSize)
            return Validated.Fault(PayloadBase64 is null ? "payload" : "payload_base64", $"makes a PUBLISH larger than the {maxPacketSize} bytes of Herald:Mqtt:MaxPacketSize");
        return new Validated(message, null, null);
    }

    /// <summary>Text as UTF-8, or base64 decoded; empty when neither is given.</summary>
    private static bool TryBytes(string? text, string? base64, out byte[] bytes)
    {
        bytes = text is not null ? Encoding.UTF8.GetBytes(text) : [];
        if (base64 is null)
            return true;
        try
        {
            bytes = Convert.FromBase64String(base64);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// A string MQTT can carry: well-formed UTF-16 (so it encodes to UTF-8), no U+0000
    /// [MQTT-1.5.4-1] [MQTT-1.5.4-2], at most 65535 bytes.
    /// </summary>
    private static bool IsMqttString(string value)
    {
        if (value.Contains('\0'))
            return false;
        try
        {
            return StrictUtf8.GetByteCount(value) <= ushort.MaxValue;
        }
        catch (EncoderFallbackException)
        {
            return false; // a lone surrogate
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A message, or the JSON field at fault and the problem.</summary>
    public sealed record Validated(Message? Message, string? Field, string? Problem)
    {
        public static Validated Fault(string field, string problem) => new(null, field, problem);
    }
}

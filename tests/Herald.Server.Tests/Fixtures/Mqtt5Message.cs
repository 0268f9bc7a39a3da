using System.Text;
using System.Text.Json;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// An MQTT 5 application message with the properties a test sends or checks, as any of the three
/// client libraries sent or received it. Correlation data is text here, so every client can print it.
/// </summary>
public sealed record Mqtt5Message(string Topic, string Payload, int QoS = 0, bool Retain = false)
{
    public string? ContentType { get; init; }

    public string? ResponseTopic { get; init; }

    public string? CorrelationData { get; init; }

    public uint? MessageExpiryInterval { get; init; }

    public int? PayloadFormatIndicator { get; init; }

    /// <summary>In the order they travel; a name may repeat [MQTT-3.3.2-17] [MQTT-3.3.2-18].</summary>
    public IReadOnlyList<KeyValuePair<string, string>> UserProperties { get; init; } = [];

    public IReadOnlyList<uint> SubscriptionIdentifiers { get; init; } = [];

    /// <summary>The DUP flag of the PUBLISH it came in; only MQTTnet reports it (mosquitto_sub's JSON has no such field).</summary>
    public bool Dup { get; init; }

    /// <summary>
    /// Parses one message as <c>mosquitto_sub -F '%j'</c> prints it (and <c>paho5_client.py</c>
    /// after it): <c>{"topic":..,"qos":..,"retain":..,"properties":{..},"payload":".."}</c>.
    /// User properties are an object whose names may repeat, so it is read token by token.
    /// </summary>
    public static Mqtt5Message FromJson(string line)
    {
        var reader = new Utf8JsonReader(Encoding.UTF8.GetBytes(line));
        string topic = "", payload = "";
        int qos = 0;
        bool retain = false;
        string? contentType = null, responseTopic = null, correlationData = null;
        uint? expiry = null;
        int? payloadFormat = null;
        var userProperties = new List<KeyValuePair<string, string>>();
        var subscriptionIds = new List<uint>();

        Expect(ref reader, JsonTokenType.StartObject);
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            Next(ref reader);
            switch (name)
            {
                case "topic":
                    topic = reader.GetString()!;
                    break;
                case "qos":
                    qos = reader.GetInt32();
                    break;
                case "retain":
                    retain = reader.GetInt32() != 0;
                    break;
                case "payload":
                    // mosquitto_sub prints an empty payload as null.
                    payload = reader.GetString() ?? "";
                    break;
                case "properties":
                    while (Next(ref reader) == JsonTokenType.PropertyName)
                    {
                        var property = reader.GetString();
                        Next(ref reader);
                        switch (property)
                        {
                            case "user-properties":
                                while (Next(ref reader) == JsonTokenType.PropertyName)
                                {
                                    var key = reader.GetString()!;
                                    Next(ref reader);
                                    userProperties.Add(new(key, reader.GetString()!));
                                }
                                break;
                            case "content-type":
                                contentType = reader.GetString();
                                break;
                            case "response-topic":
                                responseTopic = reader.GetString();
                                break;
                            case "correlation-data":
                                correlationData = reader.GetString();
                                break;
                            case "message-expiry-interval":
                                expiry = reader.GetUInt32();
                                break;
                            case "payload-format-indicator":
                                payloadFormat = reader.GetInt32();
                                break;
                            case "subscription-identifiers":
                                while (Next(ref reader) == JsonTokenType.Number)
                                    subscriptionIds.Add(reader.GetUInt32());
                                break;
                            default:
                                reader.Skip();
                                break;
                        }
                    }
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        return new Mqtt5Message(topic, payload, qos, retain)
        {
            ContentType = contentType,
            ResponseTopic = responseTopic,
            CorrelationData = correlationData,
            MessageExpiryInterval = expiry,
            PayloadFormatIndicator = payloadFormat,
            UserProperties = userProperties,
            SubscriptionIdentifiers = subscriptionIds,
        };
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
            throw new FormatException("The message JSON ends early.");
        return reader.TokenType;
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type)
            throw new FormatException($"Expected {type} in the message JSON, found {reader.TokenType}.");
    }
}

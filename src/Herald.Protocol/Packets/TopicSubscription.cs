namespace Herald.Protocol.Packets;

/// <summary>
/// One topic filter of a SUBSCRIBE with its subscription options (section 3.8.3.1): the maximum
/// QoS, and in MQTT 5 No Local, Retain As Published and Retain Handling.
/// </summary>
public readonly record struct TopicSubscription(string Filter, QualityOfService QoS)
{
    /// <summary>Do not send this client the messages it publishes itself.</summary>
    public bool NoLocal { get; init; }

    /// <summary>Keep the RETAIN flag a message was published with instead of clearing it.</summary>
    public bool RetainAsPublished { get; init; }

    /// <summary>0: send retained messages on subscribe; 1: only if the subscription is new; 2: never.</summary>
    public byte RetainHandling { get; init; }

    public byte OptionsByte => (byte)((byte)QoS | (NoLocal ? 0x04 : 0) | (RetainAsPublished ? 0x08 : 0) | (RetainHandling << 4));

    /// <summary>The subscription <see cref="OptionsByte"/> stands for; the caller has checked the byte's values.</summary>
    public static TopicSubscription FromOptions(string filter, byte options) => new(filter, (QualityOfService)(options & 0x03))
    {
        NoLocal = (options & 0x04) != 0,
        RetainAsPublished = (options & 0x08) != 0,
        RetainHandling = (byte)((options >> 4) & 0x03),
    };
}

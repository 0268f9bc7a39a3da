namespace Herald.Broker.Sessions;

/// <summary>Why a message was dropped instead of delivered; a metric tag and a log field.</summary>
public enum DropReason
{
    /// <summary>A QoS 0 message found the client's outbound queue full (a slow reader).</summary>
    OutboundQueueFull,

    /// <summary>A QoS 1/2 message pushed the oldest out of a full session queue.</summary>
    SessionQueueFull,

    /// <summary>The message is larger than the client's Maximum Packet Size [MQTT-3.1.2-25].</summary>
    PacketTooLarge,

    /// <summary>Its Message Expiry Interval passed before it could be sent [MQTT-3.3.2-5].</summary>
    Expired,

    /// <summary>The ACL no longer lets the client read it (the rules changed, or it logged in as someone else).</summary>
    NotAuthorized,
}

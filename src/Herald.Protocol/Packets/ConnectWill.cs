namespace Herald.Protocol.Packets;

/// <summary>The will message a CONNECT carries (section 3.1.2.5 - 3.1.2.7), with its MQTT 5 will properties.</summary>
public sealed record ConnectWill(string Topic, byte[] Payload, QualityOfService QoS, bool Retain)
{
    public Properties? Properties { get; init; }
}

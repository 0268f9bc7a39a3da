namespace Herald.Broker.Sessions;

/// <summary>Where an outgoing QoS 1/2 message stands in its acknowledgement flow (section 4.3).</summary>
public enum InflightState : byte
{
    AwaitingPubAck,
    AwaitingPubRec,
    AwaitingPubComp,
}

using Herald.Protocol;

namespace Herald.Broker.Tests.Harness;

/// <summary>
/// A PUBLISH the broker sent, its payload decoded as UTF-8 so that a test compares whole packets:
/// topic, payload, QoS, packet identifier (0 at QoS 0), DUP and RETAIN.
/// </summary>
internal sealed record Publish(
    string Topic,
    string Payload,
    QualityOfService QoS = QualityOfService.AtMostOnce,
    ushort PacketId = 0,
    bool Dup = false,
    bool Retain = false);

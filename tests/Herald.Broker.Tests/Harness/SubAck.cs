using Herald.Protocol.Packets;

namespace Herald.Broker.Tests.Harness;

/// <summary>A SUBACK the broker sent, compared by value (the protocol record compares its list by reference).</summary>
internal sealed record SubAck(ushort PacketId, params byte[] ReturnCodes)
{
    public static SubAck From(SubAckPacket packet) => new(packet.PacketId, [.. packet.ReturnCodes]);

    public bool Equals(SubAck? other) =>
        other is not null && PacketId == other.PacketId && ReturnCodes.AsSpan().SequenceEqual(other.ReturnCodes);

    public override int GetHashCode() => PacketId;

    public override string ToString() => $"SubAck {{ PacketId = {PacketId}, ReturnCodes = [{string.Join(", ", ReturnCodes)}] }}";
}

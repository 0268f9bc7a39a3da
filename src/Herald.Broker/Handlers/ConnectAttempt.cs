using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>A CONNECT being accepted, with the client id it will have (assigned when it sent none).</summary>
internal sealed record ConnectAttempt(ConnectPacket Packet, string ClientId, bool IsClientIdAssigned);

namespace Herald.Broker.Connections;

/// <summary>A packet held back until the durable store committed what it acknowledges.</summary>
internal sealed class DurableSend(ClientConnection connection, OutboundPacket packet)
{
    public void Send() => connection.TrySend(packet);
}

namespace Herald.Broker.Connections;

/// <summary>
/// Told when a connection has something to write, for a transport that writes without a task
/// waiting on each connection: once per <see cref="ClientConnection.ArmOutbound"/>, when a packet
/// is queued or the connection is closed.
/// </summary>
public interface IOutboundListener
{
    /// <summary>Called on the thread that queued the packet or closed the connection; must not block.</summary>
    void OnOutboundReady();
}

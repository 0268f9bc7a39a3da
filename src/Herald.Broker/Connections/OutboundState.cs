namespace Herald.Broker.Connections;

/// <summary>What <see cref="ClientConnection.ArmOutbound"/> found.</summary>
public enum OutboundState
{
    /// <summary>Nothing to write: the listener is told when there is.</summary>
    Armed,

    /// <summary>Packets are queued: write them now.</summary>
    Ready,

    /// <summary>The connection was closed and everything written: close the transport.</summary>
    Completed,
}

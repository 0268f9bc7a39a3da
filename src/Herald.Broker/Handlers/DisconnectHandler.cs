using Herald.Broker.Connections;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>DISCONNECT from a client: discard the will unless MQTT 5 reason 0x04 asks for it; update the session expiry.</summary>
internal static class DisconnectHandler
{
    public static void Handle(ClientConnection connection, ReasonPacket disconnect)
    {
        var session = connection.Session!;
        if (disconnect.Properties?.SessionExpiryInterval is { } expiry)
        {
            // Section 3.14.2.2.2: a session that was to end with the connection cannot be prolonged here.
            if (session.ExpiryInterval == 0 && expiry != 0)
                throw PacketException.Protocol("DISCONNECT sets a session expiry after CONNECT set 0");
            session.ExpiryInterval = expiry;
        }
        if (disconnect.Reason != ReasonCode.DisconnectWithWillMessage)
            connection.Will = null; // [MQTT-3.14.4-3]
        connection.Close(disconnect.Reason == ReasonCode.DisconnectWithWillMessage
            ? DisconnectReason.ClientDisconnectedWithWill
            : DisconnectReason.ClientDisconnected);
    }
}

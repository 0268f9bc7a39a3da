using System.Buffers;
using Herald.Broker.Auth;
using Herald.Broker.Connections;
using Herald.Broker.Diagnostics;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>CONNECT: version, client id, authentication, session takeover or resumption, CONNACK.</summary>
internal static class ConnectHandler
{
    /// <summary>MQTT 3.1 limits client ids to 23 characters and forbids empty ones.</summary>
    private const int MaxClientIdLength31 = 23;

    public static async ValueTask HandleAsync(ClientConnection connection, byte header, ReadOnlySequence<byte> body)
    {
        ConnectPacket packet;
        try
        {
            packet = ConnectPacket.Read(header, body);
        }
        catch (PacketException e) when (e.Error == PacketError.UnsupportedProtocolVersion)
        {
            connection.Refuse(ConnectReturnCode.UnacceptableProtocolVersion, ""); // [MQTT-3.1.2-2]
            return;
        }

        if (packet.Version == ProtocolVersion.V500)
        {
            connection.Refuse(ConnectReturnCode.UnacceptableProtocolVersion, packet.ClientId); // [MQTT-3.1.2-2]
            return;
        }
        var broker = connection.Broker;
        var clientId = packet.ClientId;
        if (!IsAcceptable(packet))
        {
            connection.Refuse(ConnectReturnCode.IdentifierRejected, clientId); // [MQTT-3.1.3-8]
            return;
        }
        if (clientId.Length == 0)
            clientId = $"auto-{Guid.NewGuid():N}"; // [MQTT-3.1.3-6]
        if (broker.IsStopping || (broker.Options.MaxConnections > 0 && broker.ConnectionCount > broker.Options.MaxConnections))
        {
            connection.Refuse(ConnectReturnCode.ServerUnavailable, clientId);
            return;
        }

        var request = new ConnectRequest(clientId, packet.Username, packet.Password, connection.RemoteEndPoint);
        var verdict = await broker.Authenticator.AuthenticateAsync(request, connection.Closing);
        if (verdict != ConnectReturnCode.Accepted)
        {
            connection.Refuse(verdict, clientId);
            return;
        }
        if (connection.IsClosed)
            return;

        var sessionPresent = Open(connection, packet, clientId);
        broker.Log.ClientConnected(clientId, connection.RemoteEndPoint, Describe(packet.Version), packet.CleanSession, packet.KeepAliveSeconds, sessionPresent);
    }

    private static bool IsAcceptable(ConnectPacket packet) => packet.Version == ProtocolVersion.V310
        ? packet.ClientId.Length is > 0 and <= MaxClientIdLength31
        : packet.ClientId.Length > 0 || packet.CleanSession;

    /// <summary>
    /// Takes over or starts the session for <paramref name="clientId"/>. Returns session present.
    /// </summary>
    private static bool Open(ClientConnection connection, ConnectPacket packet, string clientId)
    {
        var broker = connection.Broker;
        while (true)
        {
            ClientConnection? previous;
            lock (broker.SessionsGate)
            {
                broker.Sessions.TryGet(clientId, out var existing);
                previous = existing?.Connection;
                if (previous is null)
                {
                    if (existing is not null && (packet.CleanSession || !existing.IsPersistent))
                    {
                        broker.EndSession(existing); // [MQTT-3.1.2-6]
                        existing = null;
                    }
                    var session = existing ?? broker.CreateSession(clientId, persistent: !packet.CleanSession);
                    // [MQTT-3.2.2-2] session present only when a stored session is resumed; MQTT 3.1 has no such flag.
                    var sessionPresent = existing is not null && packet.Version == ProtocolVersion.V311;
                    connection.Will = packet.Will;
                    connection.Accept(clientId, packet.Version, session, packet.KeepAliveSeconds);
                    if (connection.IsClosed)
                    {
                        // Closed (shutdown, timeout) before the session was attached: leave no trace of it.
                        if (!session.IsPersistent)
                            broker.EndSession(session);
                        return false;
                    }
                    // CONNACK is queued before the session is attached, so it is the first packet the client sees [MQTT-3.2.0-1].
                    connection.TrySend(OutboundPacket.ConnAck(sessionPresent, ConnectReturnCode.Accepted));
                    session.Attach(connection);
                    return sessionPresent;
                }
            }
            // [MQTT-3.1.4-2] the older connection is closed, outside the lock because its will is published.
            previous.Close(DisconnectReason.SessionTakenOver);
        }
    }

    private static string Describe(ProtocolVersion version) => version switch
    {
        ProtocolVersion.V310 => "3.1",
        ProtocolVersion.V311 => "3.1.1",
        _ => "5.0",
    };
}

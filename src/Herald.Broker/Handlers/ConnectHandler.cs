using System.Buffers;
using Herald.Broker.Auth;
using Herald.Broker.Cluster;
using Herald.Broker.Connections;
using Herald.Broker.Diagnostics;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>
/// CONNECT, and the AUTH exchange that may follow it: version, client id, authentication,
/// session takeover or resumption, CONNACK with the server's MQTT 5 limits and capabilities.
/// </summary>
internal static class ConnectHandler
{
    /// <summary>MQTT 3.1 limits client ids to 23 characters and forbids empty ones.</summary>
    private const int MaxClientIdLength31 = 23;

    /// <summary>The packets a connection may send before CONNACK: CONNECT, then AUTH during enhanced authentication.</summary>
    public static ValueTask HandleBeforeConnectedAsync(ClientConnection connection, byte header, ReadOnlySequence<byte> body)
    {
        var type = PacketFrame.TypeOf(header);
        if (type == PacketType.Connect && connection.PendingConnect is null)
            return HandleConnectAsync(connection, header, body);
        if (type == PacketType.Auth && connection.PendingConnect is { } pending)
            return ContinueAsync(connection, pending, ReasonPacket.Read(header, body, ProtocolVersion.V500));
        throw PacketException.Protocol($"{type} before the connection is accepted"); // [MQTT-3.1.0-1]
    }

    private static async ValueTask HandleConnectAsync(ClientConnection connection, byte header, ReadOnlySequence<byte> body)
    {
        connection.Broker.Metrics.ConnectReceived();
        ConnectPacket packet;
        try
        {
            packet = ConnectPacket.Read(header, body);
        }
        catch (PacketException e) when (e.Error == PacketError.UnsupportedProtocolVersion)
        {
            connection.Refuse(ReasonCode.UnsupportedProtocolVersion, ""); // [MQTT-3.1.2-2]
            return;
        }
        connection.SetVersion(packet.Version);

        var broker = connection.Broker;
        if (!IsAcceptable(packet))
        {
            connection.Refuse(ReasonCode.ClientIdentifierNotValid, packet.ClientId); // [MQTT-3.1.3-8]
            return;
        }
        if (broker.IsStopping)
        {
            connection.Refuse(ReasonCode.ServerUnavailable, packet.ClientId);
            return;
        }
        if ((broker.Options.MaxConnections > 0 && broker.ConnectionCount > broker.Options.MaxConnections)
            || (broker.Options.MaxConnectionsPerAddress > 0 && broker.ConnectionsFrom(connection.RemoteAddress) > broker.Options.MaxConnectionsPerAddress))
        {
            connection.Refuse(packet.Version == ProtocolVersion.V500 ? ReasonCode.QuotaExceeded : ReasonCode.ServerUnavailable, packet.ClientId);
            return;
        }
        if (broker.Logins.IsBlocked(connection.RemoteAddress))
        {
            // Too many failed logins from this address: refused without a password check. 3.1.1 has
            // no rate code and hears 0x03 Server unavailable.
            connection.Refuse(ReasonCode.ConnectionRateExceeded, packet.ClientId);
            return;
        }

        // [MQTT-3.1.3-6] an empty client id is replaced by a unique one (MQTT 5 tells it back in CONNACK).
        var attempt = packet.ClientId.Length == 0
            ? new ConnectAttempt(packet, $"auto-{Guid.NewGuid():N}", IsClientIdAssigned: true)
            : new ConnectAttempt(packet, packet.ClientId, IsClientIdAssigned: false);
        var request = new ConnectRequest(attempt.ClientId, packet.Username, packet.Password, connection.RemoteEndPoint)
        {
            CertificateIdentity = connection.CertificateIdentity,
            Version = packet.Version,
            AuthenticationMethod = packet.Properties?.AuthenticationMethod,
            AuthenticationData = packet.Properties?.AuthenticationData,
        };
        await ConcludeAsync(connection, attempt, request);
    }

    private static ValueTask ContinueAsync(ClientConnection connection, ConnectAttempt pending, ReasonPacket auth)
    {
        var method = pending.Packet.Properties?.AuthenticationMethod;
        if (auth.Reason != ReasonCode.ContinueAuthentication || auth.Properties?.AuthenticationMethod != method)
            throw PacketException.Protocol("AUTH must continue the exchange with the CONNECT's authentication method"); // [MQTT-4.12.0-5]
        var request = new ConnectRequest(pending.ClientId, pending.Packet.Username, pending.Packet.Password, connection.RemoteEndPoint)
        {
            CertificateIdentity = connection.CertificateIdentity,
            Version = pending.Packet.Version,
            AuthenticationMethod = method,
            AuthenticationData = auth.Properties?.AuthenticationData,
            Step = connection.AuthenticationStep + 1,
        };
        return ConcludeAsync(connection, pending, request);
    }

    private static async ValueTask ConcludeAsync(ClientConnection connection, ConnectAttempt attempt, ConnectRequest request)
    {
        var packet = attempt.Packet;
        var verdict = await connection.Broker.Authenticator.AuthenticateAsync(request, connection.Closing);
        connection.ReleaseClosing();
        if (connection.IsClosed)
            return;
        if (verdict.Reason == ReasonCode.ContinueAuthentication && packet.Version == ProtocolVersion.V500 && request.AuthenticationMethod is { } method)
        {
            connection.PendingConnect = attempt;
            connection.AuthenticationStep = request.Step;
            connection.TrySend(OutboundPacket.Auth(ReasonCode.ContinueAuthentication, new Properties
            {
                AuthenticationMethod = method,
                AuthenticationData = verdict.AuthenticationData,
            }));
            return;
        }
        connection.PendingConnect = null;
        if (verdict.Reason == ReasonCode.Success
            && connection.Broker.Bans.Find(attempt.ClientId, connection.UsernameFor(packet), connection.RemoteAddress, connection.Broker.Time.GetUtcNow()) is not null)
        {
            connection.Refuse(ReasonCode.Banned, attempt.ClientId); // 3.1.1: 0x05 Not authorized
            return;
        }
        if (verdict.Reason == ReasonCode.Success && packet.Will is { } will
            && !connection.Broker.Acl.CanWrite(attempt.ClientId, connection.UsernameFor(packet), will.Topic))
        {
            // A will the client may not publish is refused with the CONNECT, as Mosquitto does.
            connection.Refuse(ReasonCode.NotAuthorized, attempt.ClientId);
            return;
        }
        if (verdict.Reason is ReasonCode.BadUserNameOrPassword or ReasonCode.NotAuthorized or ReasonCode.BadAuthenticationMethod)
            connection.Broker.Logins.Failed(connection.RemoteAddress);
        else if (verdict.Reason == ReasonCode.Success)
            connection.Broker.Logins.Succeeded(connection.RemoteAddress);
        if (verdict.Reason != ReasonCode.Success)
        {
            connection.Refuse(verdict.Reason == ReasonCode.ContinueAuthentication ? ReasonCode.NotAuthorized : verdict.Reason, attempt.ClientId);
            return;
        }
        if (connection.Broker.Cluster is not { } cluster)
        {
            Accept(connection, attempt, verdict.AuthenticationData);
            return;
        }
        // [MQTT-3.1.4-2] across the cluster too: the node holding the client id lets it go first.
        var claim = await cluster.ClaimAsync(attempt.ClientId, connection.Closing);
        connection.ReleaseClosing();
        try
        {
            if (connection.IsClosed)
                return;
            if (claim == ClaimResult.Contended)
                connection.Refuse(ReasonCode.ServerBusy, attempt.ClientId);
            else if (claim == ClaimResult.Unreachable && !packet.CleanSession && !connection.Broker.Sessions.TryGet(attempt.ClientId, out _))
                connection.Refuse(ReasonCode.ServerUnavailable, attempt.ClientId); // its session may be on another node, which cannot be asked
            else
                Accept(connection, attempt, verdict.AuthenticationData);
        }
        finally
        {
            cluster.EndClaim(attempt.ClientId);
        }
    }

    /// <summary>Opens the session, hands the will to the cluster, applies the automatic subscriptions and logs the connect.</summary>
    private static void Accept(ClientConnection connection, ConnectAttempt attempt, byte[]? authenticationData)
    {
        var packet = attempt.Packet;
        var sessionPresent = Open(connection, attempt, authenticationData);
        if (packet.Will is { } given && connection.Broker.Cluster is { } bus)
        {
            // Flagged first: a close from now on clears it; one that came before is caught below.
            connection.WillInCluster = true;
            bus.SaveWill(attempt.ClientId, given);
            if (connection.IsClosed)
                bus.SaveWill(attempt.ClientId, null);
        }
        AutoSubscribe.Apply(connection);
        connection.Broker.Log.ClientConnected(attempt.ClientId, connection.RemoteEndPoint, Describe(packet.Version), packet.CleanSession, connection.KeepAliveSeconds, sessionPresent);
    }

    private static bool IsAcceptable(ConnectPacket packet) => packet.Version switch
    {
        ProtocolVersion.V310 => packet.ClientId.Length is > 0 and <= MaxClientIdLength31,
        ProtocolVersion.V311 => packet.ClientId.Length > 0 || packet.CleanSession,
        _ => true,
    };

    /// <summary>Takes over or starts the session for the client id and answers CONNACK. Returns session present.</summary>
    private static bool Open(ClientConnection connection, ConnectAttempt attempt, byte[]? authenticationData)
    {
        var packet = attempt.Packet;
        var broker = connection.Broker;
        var v5 = packet.Version == ProtocolVersion.V500;
        // MQTT 3.1.1 clean session 0 keeps the session for ever, 1 not at all; MQTT 5 says how long.
        var expiry = v5 ? packet.Properties?.SessionExpiryInterval ?? 0 : packet.CleanSession ? 0 : Session.NeverExpires;
        var keepAlive = v5 && broker.Options.ServerKeepAlive is { } serverKeepAlive ? serverKeepAlive : packet.KeepAliveSeconds;
        while (true)
        {
            ClientConnection? previous;
            lock (broker.SessionsGate)
            {
                broker.Sessions.TryGet(attempt.ClientId, out var existing);
                previous = existing?.Connection;
                if (previous is null)
                {
                    if (existing is not null && packet.CleanSession)
                    {
                        broker.EndSession(existing); // [MQTT-3.1.2-6] clean start discards the old session
                        existing = null;
                    }
                    var session = existing ?? broker.CreateSession(attempt.ClientId, expiry);
                    session.ExpiryInterval = expiry;
                    // [MQTT-3.2.2-2] session present only when a stored session is resumed; MQTT 3.1 has no such flag.
                    var sessionPresent = existing is not null && packet.Version != ProtocolVersion.V310;
                    connection.Will = packet.Will;
                    connection.Accept(attempt.ClientId, packet, session, keepAlive);
                    if (connection.IsClosed)
                    {
                        // Closed (shutdown, timeout) before the session was attached: leave no trace of it.
                        if (expiry == 0)
                            broker.EndSession(session);
                        return false;
                    }
                    // CONNACK is queued before the session is attached, so it is the first packet the client sees [MQTT-3.2.0-1].
                    var properties = v5 ? ConnAckProperties(broker, attempt, keepAlive, authenticationData) : null;
                    connection.TrySend(OutboundPacket.ConnAck(sessionPresent, 0, properties));
                    session.Attach(connection);
                    return sessionPresent;
                }
            }
            // [MQTT-3.1.4-2] the older connection is closed, outside the lock because its will is published.
            previous.Close(DisconnectReason.SessionTakenOver);
        }
    }

    /// <summary>What the server tells an MQTT 5 client in CONNACK: its limits and, truthfully, what it supports.</summary>
    private static Properties ConnAckProperties(Broker broker, ConnectAttempt attempt, ushort keepAlive, byte[]? authenticationData)
    {
        var options = broker.Options;
        var method = attempt.Packet.Properties?.AuthenticationMethod;
        return new Properties
        {
            AssignedClientIdentifier = attempt.IsClientIdAssigned ? attempt.ClientId : null, // [MQTT-3.2.2-16]
            ReceiveMaximum = (ushort)options.ReceiveMaximum,
            TopicAliasMaximum = options.TopicAliasMaximum > 0 ? (ushort)options.TopicAliasMaximum : null,
            MaximumPacketSize = options.MaxPacketSize < PacketFrame.MaxPacketSize ? (uint)options.MaxPacketSize : null,
            ServerKeepAlive = options.ServerKeepAlive is not null ? keepAlive : null,
            RetainAvailable = 1,
            WildcardSubscriptionAvailable = 1,
            SubscriptionIdentifierAvailable = 1,
            SharedSubscriptionAvailable = 1,
            AuthenticationMethod = method,
            AuthenticationData = method is not null ? authenticationData : null,
        };
    }

    private static string Describe(ProtocolVersion version) => version switch
    {
        ProtocolVersion.V310 => "3.1",
        ProtocolVersion.V311 => "3.1.1",
        _ => "5.0",
    };
}

using Herald.Broker.Connections;
using Herald.Broker.Sessions;
using Herald.Protocol;
using Microsoft.Extensions.Logging;

namespace Herald.Broker.Diagnostics;

/// <summary>The engine's log events, with stable ids.</summary>
public static partial class BrokerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information,
        Message = "Client {ClientId} connected from {RemoteEndPoint} (MQTT {Version}, clean session {CleanSession}, keep-alive {KeepAlive} s, session present {SessionPresent})")]
    public static partial void ClientConnected(this ILogger logger, string clientId, string remoteEndPoint, string version, bool cleanSession, int keepAlive, bool sessionPresent);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Client {ClientId} from {RemoteEndPoint} disconnected: {Reason}")]
    public static partial void ClientDisconnected(this ILogger logger, string clientId, string remoteEndPoint, DisconnectReason reason);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Session {ClientId} expired")]
    public static partial void SessionExpired(this ILogger logger, string clientId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Debug, Message = "Protocol error from {RemoteEndPoint} (client {ClientId}): {Error}: {Detail}")]
    public static partial void ProtocolViolation(this ILogger logger, string remoteEndPoint, string clientId, PacketError error, string detail);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Refused CONNECT from {RemoteEndPoint} (client {ClientId}): {Reason}")]
    public static partial void ConnectRefused(this ILogger logger, string remoteEndPoint, string clientId, ReasonCode reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Dropping messages for client {ClientId}: {Reason} (logged once per connection, counted in herald.messages.dropped)")]
    public static partial void MessagesDropped(this ILogger logger, string clientId, DropReason reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Debug, Message = "Connection from {RemoteEndPoint} closed before CONNECT: {Reason}")]
    public static partial void ClosedBeforeConnect(this ILogger logger, string remoteEndPoint, DisconnectReason reason);
}

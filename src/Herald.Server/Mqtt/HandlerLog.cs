namespace Herald.Server.Mqtt;

internal static partial class HandlerLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Debug, Message = "Transport error on {RemoteEndPoint}: {Error}")]
    public static partial void TransportError(ILogger logger, string remoteEndPoint, string error);
}

using Microsoft.AspNetCore.Connections;

namespace Herald.Server.Mqtt;

/// <summary>Serves MQTT on a Kestrel connection, plain TCP or TLS (Kestrel's <c>UseHttps</c> on the listener).</summary>
public sealed class MqttConnectionHandler(ConnectionLoop loop) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) =>
        loop.RunAsync(connection.RemoteEndPoint?.ToString() ?? connection.ConnectionId, connection.Transport.Input, connection.Transport.Output, connection.Abort);
}

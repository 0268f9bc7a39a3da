using Herald.Server.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Herald.Server.Mqtt;

/// <summary>
/// Serves MQTT on a Kestrel connection, plain TCP or TLS (Kestrel's <c>UseHttps</c> on the
/// listener); a client certificate TLS verified names the client's user.
/// </summary>
public sealed class MqttConnectionHandler(ConnectionLoop loop, ClientCertificates? clientCertificates = null) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection)
    {
        var certificate = connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate;
        var identity = certificate is not null ? clientCertificates?.Identity(certificate) : null;
        return loop.RunAsync(connection.RemoteEndPoint?.ToString() ?? connection.ConnectionId, connection.Transport.Input, connection.Transport.Output, connection.Abort, identity);
    }
}

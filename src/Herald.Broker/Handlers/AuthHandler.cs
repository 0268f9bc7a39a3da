using Herald.Broker.Auth;
using Herald.Broker.Connections;
using Herald.Protocol;
using Herald.Protocol.Packets;

namespace Herald.Broker.Handlers;

/// <summary>
/// AUTH after CONNACK: re-authentication (section 4.12.1). The client starts with 0x19 and the
/// method it connected with; the authenticator may ask for more steps (0x18) and ends it with
/// AUTH 0x00, or with DISCONNECT carrying its failure reason.
/// </summary>
internal static class AuthHandler
{
    public static async ValueTask HandleReauthenticationAsync(ClientConnection connection, ReasonPacket auth)
    {
        var method = connection.AuthenticationMethod;
        if (method is null || auth.Properties?.AuthenticationMethod != method)
            throw PacketException.Protocol("AUTH without the authentication method the client connected with"); // [MQTT-4.12.1-1]
        var starting = auth.Reason == ReasonCode.ReAuthenticate;
        if (!starting && auth.Reason != ReasonCode.ContinueAuthentication)
            throw PacketException.Protocol($"AUTH reason {auth.Reason} from a client");
        connection.AuthenticationStep = starting ? 0 : connection.AuthenticationStep + 1;
        var request = new ConnectRequest(connection.ClientId, null, null, connection.RemoteEndPoint)
        {
            Version = connection.Version,
            AuthenticationMethod = method,
            AuthenticationData = auth.Properties?.AuthenticationData,
            Step = connection.AuthenticationStep,
            IsReauthentication = true,
        };
        var verdict = await connection.Broker.Authenticator.AuthenticateAsync(request, connection.Closing);
        connection.ReleaseClosing();
        if (verdict.Reason is ReasonCode.Success or ReasonCode.ContinueAuthentication)
        {
            connection.TrySend(OutboundPacket.Auth(verdict.Reason, new Properties
            {
                AuthenticationMethod = method,
                AuthenticationData = verdict.AuthenticationData,
            }));
            return;
        }
        connection.Close(DisconnectReason.AuthenticationFailed, verdict.Reason);
    }
}

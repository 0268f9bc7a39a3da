using Herald.Protocol;

namespace Herald.Broker.Auth;

/// <summary>Decides whether a CONNECT is accepted; any code but Accepted is sent in CONNACK and the connection closed.</summary>
public interface IAuthenticator
{
    ValueTask<ConnectReturnCode> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken);
}

using Herald.Protocol;

namespace Herald.Broker.Auth;

/// <summary>Accepts every client, as Mosquitto does on a loopback-only listener.</summary>
public sealed class AnonymousAuthenticator : IAuthenticator
{
    public ValueTask<ConnectReturnCode> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(ConnectReturnCode.Accepted);
}

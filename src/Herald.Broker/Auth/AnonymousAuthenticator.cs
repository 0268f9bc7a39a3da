using Herald.Protocol;

namespace Herald.Broker.Auth;

/// <summary>
/// Accepts every client, as Mosquitto does on a loopback-only listener. It knows no enhanced
/// authentication method, so a CONNECT naming one gets 0x8C Bad authentication method.
/// </summary>
public sealed class AnonymousAuthenticator : IAuthenticator
{
    public ValueTask<AuthenticationResult> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(request.AuthenticationMethod is null
            ? AuthenticationResult.Success
            : AuthenticationResult.Fail(ReasonCode.BadAuthenticationMethod));
}

using Herald.Broker.Auth;
using Herald.Protocol;

namespace Herald.Broker.Tests.Harness;

/// <summary>Refuses every client with one reason code, as a user store that bans or is down would.</summary>
internal sealed class RefusingAuthenticator(ReasonCode verdict) : IAuthenticator
{
    public ValueTask<AuthenticationResult> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AuthenticationResult.Fail(verdict));
}

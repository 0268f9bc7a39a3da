using Herald.Broker.Auth;
using Herald.Protocol;

namespace Herald.Broker.Tests.Harness;

/// <summary>
/// Accepts user "alice" with password "secret"; refuses user "guest" with 0x05 Not authorized and
/// anything else with 0x04 Bad user name or password. Records every request it judged.
/// </summary>
internal sealed class TestAuthenticator : IAuthenticator
{
    public List<ConnectRequest> Requests { get; } = [];

    public ValueTask<AuthenticationResult> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var verdict = request switch
        {
            { Username: "guest" } => ReasonCode.NotAuthorized,
            { Username: "alice", Password: { } password } when password.AsSpan().SequenceEqual("secret"u8) => ReasonCode.Success,
            _ => ReasonCode.BadUserNameOrPassword,
        };
        return ValueTask.FromResult(new AuthenticationResult(verdict));
    }
}

using Herald.Broker.Auth;
using Herald.Protocol;

namespace Herald.Broker.Tests.Harness;

/// <summary>
/// Enhanced authentication method "TEST" (section 4.12): the first step, CONNECT or AUTH 0x19, is
/// answered with <see cref="Challenge"/>; the next succeeds when the client's data is
/// <see cref="Response"/> and fails with 0x87 Not authorized otherwise. A CONNECT without a method is
/// accepted, any other method refused with 0x8C. Records every request it judged.
/// </summary>
internal sealed class ChallengeAuthenticator : IAuthenticator
{
    public const string Method = "TEST";

    public static byte[] Challenge => "challenge"u8.ToArray();

    public static byte[] Response => "response"u8.ToArray();

    public List<ConnectRequest> Requests { get; } = [];

    public ValueTask<AuthenticationResult> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        Requests.Add(request);
        var verdict = request switch
        {
            { AuthenticationMethod: null } => AuthenticationResult.Success,
            { AuthenticationMethod: not Method } => AuthenticationResult.Fail(ReasonCode.BadAuthenticationMethod),
            { Step: 0 } => AuthenticationResult.Continue(Challenge),
            { AuthenticationData: { } data } when data.AsSpan().SequenceEqual(Response) => AuthenticationResult.Success,
            _ => AuthenticationResult.Fail(ReasonCode.NotAuthorized),
        };
        return ValueTask.FromResult(verdict);
    }
}

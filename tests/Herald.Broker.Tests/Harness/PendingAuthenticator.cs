using Herald.Broker.Auth;
using Herald.Protocol;

namespace Herald.Broker.Tests.Harness;

/// <summary>An authenticator whose verdict the test gives later, as a remote user store would.</summary>
internal sealed class PendingAuthenticator : IAuthenticator
{
    private readonly TaskCompletionSource<AuthenticationResult> _verdict = new();
    private CancellationToken _cancellation;

    /// <summary>Whether the connection signalled, through the token, that nobody waits for the verdict any more.</summary>
    public bool Cancelled => _cancellation.IsCancellationRequested;

    public ValueTask<AuthenticationResult> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        _cancellation = cancellationToken;
        return new ValueTask<AuthenticationResult>(_verdict.Task);
    }

    public void Complete(ReasonCode verdict) => _verdict.SetResult(new AuthenticationResult(verdict));
}

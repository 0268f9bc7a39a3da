namespace Herald.Broker.Auth;

/// <summary>
/// Decides whether a client may connect. Plain CONNECTs take one call; an MQTT 5 enhanced
/// authentication exchange calls again for every AUTH the client sends, with
/// <see cref="ConnectRequest.Step"/> counting up, until the result is not Continue.
/// </summary>
public interface IAuthenticator
{
    ValueTask<AuthenticationResult> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken);
}

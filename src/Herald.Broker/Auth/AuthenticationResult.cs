using Herald.Protocol;

namespace Herald.Broker.Auth;

/// <summary>
/// An authenticator's verdict: Success, Continue (send AUTH 0x18 with this data and wait for the
/// client's answer), or a failure reason sent in CONNACK (or DISCONNECT when re-authenticating).
/// </summary>
public readonly record struct AuthenticationResult(ReasonCode Reason, byte[]? AuthenticationData = null)
{
    public static AuthenticationResult Success { get; } = new(ReasonCode.Success);

    public static AuthenticationResult Continue(byte[] data) => new(ReasonCode.ContinueAuthentication, data);

    public static AuthenticationResult Fail(ReasonCode reason) => new(reason);
}

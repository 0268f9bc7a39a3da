using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Herald.Protocol;

namespace Herald.Broker.Auth;

/// <summary>
/// Username and password against an <see cref="IUserStore"/>. A client with no username is let in
/// only when anonymous clients are allowed (else refused 0x87 Not authorized, 3.1.1: 0x05); a
/// username with a wrong password, or an unknown one, gets 0x86 Bad user name or password (3.1.1:
/// 0x04), whether anonymous clients are allowed or not, as Mosquitto with a password file does.
/// With no user at all and anonymous clients allowed, a username is not checked, as Mosquitto
/// without a password file.
///
/// A password hash takes tens of milliseconds to check by design, so a reconnecting device would
/// pay it every time: a check that succeeded is remembered for <see cref="VerifiedFor"/> under an
/// HMAC of the credentials with a key made at startup (never the password itself), and forgotten
/// when the stored hash changes.
/// </summary>
public sealed class PasswordAuthenticator(IUserStore users, bool allowAnonymous, TimeProvider time) : IAuthenticator
{
    public static readonly TimeSpan VerifiedFor = TimeSpan.FromMinutes(30);
    private const int MaxVerified = 100_000;

    private readonly byte[] _cacheKey = RandomNumberGenerator.GetBytes(32);
    private readonly ConcurrentDictionary<string, Verified> _verified = new(StringComparer.Ordinal);

    public bool AllowAnonymous => allowAnonymous;

    public async ValueTask<AuthenticationResult> AuthenticateAsync(ConnectRequest request, CancellationToken cancellationToken)
    {
        if (request.AuthenticationMethod is not null)
            return AuthenticationResult.Fail(ReasonCode.BadAuthenticationMethod);
        // TLS verified the certificate against the trusted client CAs: its name is the user, no password asked.
        if (request.CertificateIdentity is not null)
            return AuthenticationResult.Success;
        if (request.Username is null)
            return allowAnonymous ? AuthenticationResult.Success : AuthenticationResult.Fail(ReasonCode.NotAuthorized);
        var hash = await users.FindPasswordHashAsync(request.Username, cancellationToken);
        if (hash is null && allowAnonymous && !await users.HasUsersAsync(cancellationToken))
            return AuthenticationResult.Success;
        if (hash is null || request.Password is null)
            return AuthenticationResult.Fail(ReasonCode.BadUserNameOrPassword);
        var key = CacheKey(request.Username, request.Password);
        if (_verified.TryGetValue(key, out var seen) && seen.Hash == hash && time.GetUtcNow() < seen.Until)
            return AuthenticationResult.Success;
        if (!PasswordHash.Verify(request.Password, hash))
            return AuthenticationResult.Fail(ReasonCode.BadUserNameOrPassword);
        if (_verified.Count >= MaxVerified)
            _verified.Clear(); // bounded: a flood of distinct logins costs hashes again, never memory
        _verified[key] = new Verified(hash, time.GetUtcNow() + VerifiedFor);
        return AuthenticationResult.Success;
    }

    private string CacheKey(string username, byte[] password)
    {
        var name = Encoding.UTF8.GetBytes(username);
        byte[] credentials = [.. BitConverter.GetBytes(name.Length), .. name, .. password];
        return Convert.ToBase64String(HMACSHA256.HashData(_cacheKey, credentials));
    }

    private readonly record struct Verified(string Hash, DateTimeOffset Until);
}

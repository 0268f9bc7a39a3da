using System.Collections;
using System.Reflection;
using System.Text;
using Herald.Broker.Auth;
using Herald.Protocol;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Broker.Tests.Auth;

/// <summary>
/// Who <see cref="PasswordAuthenticator"/> lets in: anonymous clients as configured, named ones by
/// their password, with Mosquitto's reasons (0x86 Bad user name or password, 0x87 Not authorized).
/// </summary>
public sealed class PasswordAuthenticatorTests
{
    private readonly InMemoryUserStore _users = new();
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task Client_without_username_is_accepted_when_anonymous_clients_are_allowed()
    {
        _users.Add("alice", "wonderland");

        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(Authenticator(allowAnonymous: true), null, null));
    }

    [Fact]
    public async Task Client_without_username_is_refused_not_authorized_when_anonymous_clients_are_not()
    {
        _users.Add("alice", "wonderland");

        Assert.Equal(ReasonCode.NotAuthorized, await AuthenticateAsync(Authenticator(allowAnonymous: false), null, null));
    }

    [Fact]
    public async Task Client_without_username_is_refused_when_anonymous_clients_are_not_allowed_and_no_user_exists()
    {
        Assert.Equal(ReasonCode.NotAuthorized, await AuthenticateAsync(Authenticator(allowAnonymous: false), null, null));
    }

    [Theory]
    [InlineData("anyone", "anything")]
    [InlineData("anyone", null)]
    public async Task With_no_users_and_anonymous_clients_allowed_a_username_is_not_checked(string username, string? password)
    {
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(Authenticator(allowAnonymous: true), username, password));
    }

    [Fact]
    public async Task With_no_users_and_anonymous_clients_refused_a_username_is_refused()
    {
        Assert.Equal(ReasonCode.BadUserNameOrPassword, await AuthenticateAsync(Authenticator(allowAnonymous: false), "anyone", "anything"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Unknown_user_is_refused_bad_user_name_or_password_once_users_exist(bool allowAnonymous)
    {
        _users.Add("alice", "wonderland");

        Assert.Equal(ReasonCode.BadUserNameOrPassword, await AuthenticateAsync(Authenticator(allowAnonymous), "mallory", "wonderland"));
    }

    [Theory]
    [InlineData(true, "Wonderland")]
    [InlineData(false, "Wonderland")]
    [InlineData(false, "")]
    [InlineData(false, null)]
    public async Task Wrong_or_missing_password_is_refused_bad_user_name_or_password(bool allowAnonymous, string? password)
    {
        _users.Add("alice", "wonderland");

        Assert.Equal(ReasonCode.BadUserNameOrPassword, await AuthenticateAsync(Authenticator(allowAnonymous), "alice", password));
    }

    [Fact]
    public async Task User_names_are_case_sensitive()
    {
        _users.Add("alice", "wonderland");

        Assert.Equal(ReasonCode.BadUserNameOrPassword, await AuthenticateAsync(Authenticator(allowAnonymous: false), "Alice", "wonderland"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Right_password_is_accepted(bool allowAnonymous)
    {
        _users.Add("alice", "wonderland");
        _users.Add("bob", "builder");

        var authenticator = Authenticator(allowAnonymous);

        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "wonderland"));
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "bob", "builder"));
        Assert.Equal(ReasonCode.BadUserNameOrPassword, await AuthenticateAsync(authenticator, "bob", "wonderland"));
    }

    [Fact]
    public async Task Remembered_verification_is_used_again_and_still_refuses_other_passwords()
    {
        _users.Add("alice", "wonderland");
        var authenticator = Authenticator(allowAnonymous: false);

        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "wonderland"));
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "wonderland"));
        Assert.Equal(ReasonCode.BadUserNameOrPassword, await AuthenticateAsync(authenticator, "alice", "wonderlanD"));
    }

    [Fact]
    public async Task Changed_password_invalidates_a_remembered_verification()
    {
        _users.Add("alice", "old password");
        var authenticator = Authenticator(allowAnonymous: false);
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "old password"));

        _users.Add("alice", "new password");

        Assert.Equal(ReasonCode.BadUserNameOrPassword, await AuthenticateAsync(authenticator, "alice", "old password"));
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "new password"));
    }

    [Fact]
    public async Task Removed_user_is_refused_although_its_verification_was_remembered()
    {
        _users.Add("alice", "wonderland");
        _users.Add("bob", "builder");
        var authenticator = Authenticator(allowAnonymous: false);
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "wonderland"));

        await _users.RemoveUserAsync("alice", CancellationToken.None);

        Assert.Equal(ReasonCode.BadUserNameOrPassword, await AuthenticateAsync(authenticator, "alice", "wonderland"));
    }

    [Fact]
    public async Task Remembered_verification_expires_after_VerifiedFor()
    {
        _users.Add("alice", "wonderland");
        var authenticator = Authenticator(allowAnonymous: false);
        var start = _time.GetUtcNow();
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "wonderland"));
        Assert.Equal(start + PasswordAuthenticator.VerifiedFor, RememberedUntil(authenticator));

        // Within the period the remembered check answers, so its deadline stays.
        _time.Advance(PasswordAuthenticator.VerifiedFor - TimeSpan.FromMilliseconds(1));
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "wonderland"));
        Assert.Equal(start + PasswordAuthenticator.VerifiedFor, RememberedUntil(authenticator));

        // At its end the hash is checked again, and remembered from now.
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(ReasonCode.Success, await AuthenticateAsync(authenticator, "alice", "wonderland"));
        Assert.Equal(_time.GetUtcNow() + PasswordAuthenticator.VerifiedFor, RememberedUntil(authenticator));
    }

    [Theory]
    [InlineData(true, null)]
    [InlineData(false, "alice")]
    [Trait("Spec", "MQTT-4.12.0-1")]
    public async Task Enhanced_authentication_method_is_refused_bad_authentication_method(bool allowAnonymous, string? username)
    {
        _users.Add("alice", "wonderland");
        var request = new ConnectRequest("c1", username, username is null ? null : Encoding.UTF8.GetBytes("wonderland"), "test:1")
        {
            Version = ProtocolVersion.V500,
            AuthenticationMethod = "SCRAM-SHA-256",
            AuthenticationData = Encoding.UTF8.GetBytes("n,,n=alice,r=abc"),
        };

        var result = await Authenticator(allowAnonymous).AuthenticateAsync(request, CancellationToken.None);

        Assert.Equal(ReasonCode.BadAuthenticationMethod, result.Reason);
    }

    private PasswordAuthenticator Authenticator(bool allowAnonymous) => new(_users, allowAnonymous, _time);

    private static async Task<ReasonCode> AuthenticateAsync(PasswordAuthenticator authenticator, string? username, string? password)
    {
        var request = new ConnectRequest("c1", username, password is null ? null : Encoding.UTF8.GetBytes(password), "test:1");
        var result = await authenticator.AuthenticateAsync(request, CancellationToken.None);
        return result.Reason;
    }

    /// <summary>
    /// The deadline of the one remembered verification, read from the authenticator's private
    /// cache: whether a check was remembered or done again cannot be seen from outside except by
    /// how long it took, and these tests assert no timings.
    /// </summary>
    private static DateTimeOffset RememberedUntil(PasswordAuthenticator authenticator)
    {
        var field = typeof(PasswordAuthenticator).GetField("_verified", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("PasswordAuthenticator no longer keeps _verified; update this test.");
        var entries = ((IDictionary)field.GetValue(authenticator)!).Values.Cast<object>().ToList();
        var entry = Assert.Single(entries);
        return (DateTimeOffset)entry.GetType().GetProperty("Until")!.GetValue(entry)!;
    }
}

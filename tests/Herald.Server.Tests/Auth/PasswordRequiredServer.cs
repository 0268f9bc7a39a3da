using Herald.Broker.Auth;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests.Auth;

/// <summary>
/// A test server started with <c>--Herald:Auth:AllowAnonymous=false</c>: every client needs a
/// username and password. Failed logins are not throttled here: every test of the class fails
/// some from 127.0.0.1 on purpose (the throttle has tests of its own). Users go in through the server's own <see cref="IUserStore"/> (its
/// auth.db), as <c>herald user add</c> would put them.
/// </summary>
public sealed class PasswordRequiredServer : HeraldServer
{
    public const string AllowAnonymousFalse = "--Herald:Auth:AllowAnonymous=false";

    public PasswordRequiredServer()
        : base(null, AllowAnonymousFalse, "--Herald:Auth:MaxLoginFailures=0")
    {
    }

    public IUserStore Users => App.Services.GetRequiredService<IUserStore>();

    /// <summary>Adds a user no other test uses, with the default (production) hash cost, and returns its name.</summary>
    public async Task<string> AddUserAsync(string prefix, string password)
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..20];
        await Users.SaveUserAsync(name, PasswordHash.Create(password), CancellationToken.None);
        return name;
    }
}

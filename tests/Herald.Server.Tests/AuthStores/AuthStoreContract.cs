using Herald.Broker.Auth;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.AuthStores;

/// <summary>
/// What every auth store (SQLite's auth.db, Redis) must do, run against each: users, ACL rules and
/// bans kept, listed and removed, and the version servers poll bumped by every rule or ban change.
/// Names are unique per test, so stores shared by a class stay independent.
/// </summary>
public abstract class AuthStoreContract
{
    protected abstract IAuthStore Store { get; }

    [Fact]
    public async Task User_is_saved_found_listed_replaced_and_removed()
    {
        var name = Unique.ClientId("user");
        var hash = PasswordHash.Create("first", 1_000);

        Assert.True(await Store.SaveUserAsync(name, hash, default));
        Assert.Equal(hash, await Store.FindPasswordHashAsync(name, default));
        Assert.Contains(name, await Store.ListUsersAsync(default));
        Assert.True(await Store.HasUsersAsync(default));

        var replaced = PasswordHash.Create("second", 1_000);
        Assert.False(await Store.SaveUserAsync(name, replaced, default)); // not new
        Assert.Equal(replaced, await Store.FindPasswordHashAsync(name, default));

        Assert.True(await Store.RemoveUserAsync(name, default));
        Assert.Null(await Store.FindPasswordHashAsync(name, default));
        Assert.False(await Store.RemoveUserAsync(name, default));
    }

    [Fact]
    public async Task Acl_rule_round_trips_and_every_change_bumps_the_version()
    {
        var before = await Store.GetVersionAsync(default);
        var principal = Unique.ClientId("alice");
        var added = await Store.AddRuleAsync(new AclRule(0, AclSubject.User, principal, AclAccess.ReadWrite, "devices/%u/#"), default);

        Assert.True(added.Id > 0);
        Assert.Contains(added, await Store.ListRulesAsync(default));
        var afterAdd = await Store.GetVersionAsync(default);
        Assert.NotEqual(before, afterAdd);

        Assert.True(await Store.RemoveRuleAsync(added.Id, default));
        Assert.DoesNotContain(added, await Store.ListRulesAsync(default));
        Assert.NotEqual(afterAdd, await Store.GetVersionAsync(default));
        Assert.False(await Store.RemoveRuleAsync(added.Id, default));
    }

    [Theory]
    [InlineData(AclSubject.Client, "sensor-*", AclAccess.Write)]
    [InlineData(AclSubject.Everyone, null, AclAccess.Read)]
    [InlineData(AclSubject.Anonymous, null, AclAccess.Deny)]
    public async Task Every_subject_and_access_is_kept(AclSubject subject, string? principal, AclAccess access)
    {
        var added = await Store.AddRuleAsync(new AclRule(0, subject, principal, access, $"{Unique.Topic("t")}/+"), default);

        Assert.Contains(added, await Store.ListRulesAsync(default));
        await Store.RemoveRuleAsync(added.Id, default);
    }

    [Fact]
    public async Task Ban_round_trips_with_its_expiry_and_reason_and_bumps_the_version()
    {
        var before = await Store.GetVersionAsync(default);
        var until = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds());
        var added = await Store.AddBanAsync(new Ban(0, BanKind.Address, "203.0.113.7", until, "scanner"), default);
        var forever = await Store.AddBanAsync(new Ban(0, BanKind.ClientId, Unique.ClientId("dev"), null, null), default);

        var listed = await Store.ListBansAsync(default);
        Assert.Contains(added, listed);
        Assert.Contains(forever, listed);
        Assert.NotEqual(before, await Store.GetVersionAsync(default));

        Assert.True(await Store.RemoveBanAsync(added.Id, default));
        Assert.True(await Store.RemoveBanAsync(forever.Id, default));
        Assert.False(await Store.RemoveBanAsync(added.Id, default));
    }
}

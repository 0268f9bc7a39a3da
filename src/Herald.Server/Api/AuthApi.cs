using Herald.Broker.Auth;
using Herald.Protocol;

namespace Herald.Server.Api;

/// <summary>
/// The API for users, ACL rules and bans (admin scope): what the
/// <c>herald user|acl|ban</c> verbs do, over HTTP. Changes apply as theirs do (new connections for
/// users, within a second for rules and bans). Bad input gets a problem response naming the field.
/// </summary>
public static class AuthApi
{
    public sealed record UserBody(string? Password);

    public sealed record AclRuleBody(string? Subject, string? Principal, string? Access, string? Topic);

    public sealed record BanBody(string? Kind, string? Value, int? Seconds, string? Reason);

    public static void Map(RouteGroupBuilder api)
    {

        api.MapGet("/users", async (IUserStore users, CancellationToken ct) => Results.Ok(await users.ListUsersAsync(ct)));
        api.MapPut("/users/{name}", async (string name, UserBody body, IUserStore users, CancellationToken ct) =>
        {
            if (name.Contains(':'))
                return Problems.Invalid("name", "a user name cannot hold ':' (as in a Mosquitto password file)");
            if (string.IsNullOrEmpty(body.Password))
                return Problems.Invalid("password", "a password is needed");
            var isNew = await users.SaveUserAsync(name, PasswordHash.Create(body.Password), ct);
            return isNew ? Results.Created($"/api/v1/users/{Uri.EscapeDataString(name)}", new { name }) : Results.Ok(new { name });
        });
        api.MapDelete("/users/{name}", async (string name, IUserStore users, CancellationToken ct) =>
            await users.RemoveUserAsync(name, ct) ? Results.NoContent() : Problems.NotFound($"there is no user '{name}'"));

        api.MapGet("/acl", async (IAclStore acl, CancellationToken ct) => Results.Ok(await acl.ListRulesAsync(ct)));
        api.MapPost("/acl", async (AclRuleBody body, IAclStore acl, CancellationToken ct) =>
        {
            if (!Enum.TryParse<AclSubject>(body.Subject, ignoreCase: true, out var subject) || int.TryParse(body.Subject, out _))
                return Problems.Invalid("subject", "must be user, client, everyone or anonymous");
            if (subject is AclSubject.User or AclSubject.Client && string.IsNullOrEmpty(body.Principal))
                return Problems.Invalid("principal", "a user or client rule needs the username or client-id pattern");
            if (!AclRule.TryParseAccess(body.Access, out var access))
                return Problems.Invalid("access", "must be read, write, readwrite or deny");
            if (body.Topic is null || !TopicRules.IsValidTopicFilter(body.Topic))
                return Problems.Invalid("topic", "must be a valid topic filter");
            var principal = subject is AclSubject.User or AclSubject.Client ? body.Principal : null;
            var rule = await acl.AddRuleAsync(new AclRule(0, subject, principal, access, body.Topic), ct);
            return Results.Created($"/api/v1/acl/{rule.Id}", rule);
        });
        api.MapDelete("/acl/{id:long}", async (long id, IAclStore acl, CancellationToken ct) =>
            await acl.RemoveRuleAsync(id, ct) ? Results.NoContent() : Problems.NotFound($"there is no ACL rule {id}"));

        api.MapGet("/bans", async (IBanStore bans, CancellationToken ct) => Results.Ok(await bans.ListBansAsync(ct)));
        api.MapPost("/bans", async (BanBody body, IBanStore bans, TimeProvider time, CancellationToken ct) =>
        {
            if (!Enum.TryParse<BanKind>(body.Kind, ignoreCase: true, out var kind) || int.TryParse(body.Kind, out _))
                return Problems.Invalid("kind", "must be clientid, username or address");
            if (string.IsNullOrEmpty(body.Value))
                return Problems.Invalid("value", "the client id, username or address to ban is needed");
            var value = body.Value;
            if (kind == BanKind.Address)
            {
                if (!Ban.TryNormalizeAddress(value, out value))
                    return Problems.Invalid("value", "must be an IP address for an address ban");
            }
            if (body.Seconds is <= 0)
                return Problems.Invalid("seconds", "must be positive; leave it out for a ban until removed");
            DateTimeOffset? until = body.Seconds is { } seconds ? time.GetUtcNow().AddSeconds(seconds) : null;
            var ban = await bans.AddBanAsync(new Ban(0, kind, value, until, body.Reason), ct);
            return Results.Created($"/api/v1/bans/{ban.Id}", ban);
        });
        api.MapDelete("/bans/{id:long}", async (long id, IBanStore bans, CancellationToken ct) =>
            await bans.RemoveBanAsync(id, ct) ? Results.NoContent() : Problems.NotFound($"there is no ban {id}"));
    }
}

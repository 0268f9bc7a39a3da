using System.Text.Json;
using Herald.Broker.Auth;
using StackExchange.Redis;

namespace Herald.Storage.Redis;

/// <summary>
/// Users, ACL rules and bans in Redis, shared by every Herald node and by operators with
/// redis-cli. The key layout (documented in the README):
/// <list type="bullet">
/// <item><c>herald:users</c> — hash, username → password hash (<c>$7$...</c>, as <c>mosquitto_passwd</c> writes).</item>
/// <item><c>herald:acl</c> — hash, rule id → JSON <c>{"subject","principal","access","topic"}</c>.</item>
/// <item><c>herald:bans</c> — hash, ban id → JSON <c>{"kind","value","until","reason"}</c> (until: Unix ms or null).</item>
/// <item><c>herald:policy:ids</c> — counter the ids of rules and bans come from.</item>
/// <item><c>herald:policy:version</c> — counter bumped by every change of rules or bans; servers poll it.</item>
/// </list>
/// </summary>
public sealed class RedisAuthStore(IDatabase redis, string location) : IAuthStore
{
    private static readonly RedisKey Users = "herald:users";
    private static readonly RedisKey Acl = "herald:acl";
    private static readonly RedisKey Bans = "herald:bans";
    private static readonly RedisKey Ids = "herald:policy:ids";
    private static readonly RedisKey Version = "herald:policy:version";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Connects to <paramref name="configuration"/> (StackExchange.Redis syntax, e.g. "localhost:6379").</summary>
    /// <exception cref="RedisConnectionException">Redis cannot be reached.</exception>
    public static RedisAuthStore Connect(string configuration) =>
        new(ConnectionMultiplexer.Connect(configuration).GetDatabase(), $"Redis {configuration}");

    public string Location { get; } = location;

    public async ValueTask<string?> FindPasswordHashAsync(string username, CancellationToken cancellationToken) =>
        await redis.HashGetAsync(Users, username);

    public async ValueTask<bool> SaveUserAsync(string username, string passwordHash, CancellationToken cancellationToken) =>
        await redis.HashSetAsync(Users, username, passwordHash);

    public async ValueTask<bool> RemoveUserAsync(string username, CancellationToken cancellationToken) =>
        await redis.HashDeleteAsync(Users, username);

    public async ValueTask<IReadOnlyList<string>> ListUsersAsync(CancellationToken cancellationToken) =>
        [.. (await redis.HashKeysAsync(Users)).Select(k => (string)k!).Order(StringComparer.Ordinal)];

    public async ValueTask<bool> HasUsersAsync(CancellationToken cancellationToken) => await redis.HashLengthAsync(Users) > 0;

    public async ValueTask<IReadOnlyList<AclRule>> ListRulesAsync(CancellationToken cancellationToken) =>
        [.. (await redis.HashGetAllAsync(Acl))
            .Select(e => JsonSerializer.Deserialize<StoredRule>((string)e.Value!, Json)!.ToRule((long)e.Name))
            .OrderBy(r => r.Id)];

    public async ValueTask<AclRule> AddRuleAsync(AclRule rule, CancellationToken cancellationToken)
    {
        var id = await redis.StringIncrementAsync(Ids);
        await AddPolicyEntryAsync(Acl, id, JsonSerializer.Serialize(StoredRule.From(rule), Json));
        return rule with { Id = id };
    }

    public ValueTask<bool> RemoveRuleAsync(long id, CancellationToken cancellationToken) => RemovePolicyEntryAsync(Acl, id);

    public async ValueTask<long> GetVersionAsync(CancellationToken cancellationToken) => (long?)await redis.StringGetAsync(Version) ?? 0;

    public async ValueTask<IReadOnlyList<Ban>> ListBansAsync(CancellationToken cancellationToken) =>
        [.. (await redis.HashGetAllAsync(Bans))
            .Select(e => JsonSerializer.Deserialize<StoredBan>((string)e.Value!, Json)!.ToBan((long)e.Name))
            .OrderBy(b => b.Id)];

    public async ValueTask<Ban> AddBanAsync(Ban ban, CancellationToken cancellationToken)
    {
        var id = await redis.StringIncrementAsync(Ids);
        await AddPolicyEntryAsync(Bans, id, JsonSerializer.Serialize(StoredBan.From(ban), Json));
        return ban with { Id = id };
    }

    public ValueTask<bool> RemoveBanAsync(long id, CancellationToken cancellationToken) => RemovePolicyEntryAsync(Bans, id);

    /// <summary>The entry and the version bump in one MULTI/EXEC, so a server never sees one without the other.</summary>
    private async Task AddPolicyEntryAsync(RedisKey key, long id, string json)
    {
        var transaction = redis.CreateTransaction();
        _ = transaction.HashSetAsync(key, id, json);
        _ = transaction.StringIncrementAsync(Version);
        await transaction.ExecuteAsync();
    }

    private async ValueTask<bool> RemovePolicyEntryAsync(RedisKey key, long id)
    {
        var transaction = redis.CreateTransaction();
        transaction.AddCondition(Condition.HashExists(key, id));
        _ = transaction.HashDeleteAsync(key, id);
        _ = transaction.StringIncrementAsync(Version);
        return await transaction.ExecuteAsync();
    }

    private sealed record StoredRule(string Subject, string? Principal, string Access, string Topic)
    {
        public static StoredRule From(AclRule rule) =>
            new(rule.Subject.ToString().ToLowerInvariant(), rule.Principal, rule.Access.ToString().ToLowerInvariant(), rule.Topic);

        public AclRule ToRule(long id) =>
            new(id, Enum.Parse<AclSubject>(Subject, ignoreCase: true), Principal, Enum.Parse<AclAccess>(Access, ignoreCase: true), Topic);
    }

    private sealed record StoredBan(string Kind, string Value, long? Until, string? Reason)
    {
        public static StoredBan From(Ban ban) => new(ban.Kind.ToString().ToLowerInvariant(), ban.Value, ban.Until?.ToUnixTimeMilliseconds(), ban.Reason);

        public Ban ToBan(long id) =>
            new(id, Enum.Parse<BanKind>(Kind, ignoreCase: true), Value, Until is { } until ? DateTimeOffset.FromUnixTimeMilliseconds(until) : null, Reason);
    }
}

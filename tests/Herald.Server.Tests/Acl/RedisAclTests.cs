using Herald.Server.Tests.Fixtures;
using StackExchange.Redis;

namespace Herald.Server.Tests.Acl;

/// <summary>
/// The same ACL suite with users and rules in a real redis-server (<c>Herald:Auth:Provider=Redis</c>),
/// emptied of Herald's keys before each test, as each test starts from no rule.
/// </summary>
public sealed class RedisAclTests : AclSuite, IClassFixture<RedisServer>
{
    private readonly RedisServer _redis;

    public RedisAclTests(RedisServer redis)
    {
        _redis = redis;
        using var connection = ConnectionMultiplexer.Connect(redis.Configuration);
        connection.GetDatabase().KeyDelete(["herald:users", "herald:acl", "herald:bans", "herald:policy:ids", "herald:policy:version"]);
    }

    protected override string[] ProviderSettings() => ["--Herald:Auth:Provider=Redis", $"--Herald:Redis:Configuration={_redis.Configuration}"];
}

using Herald.Broker.Auth;
using static Herald.Broker.Auth.AclAccess;
using static Herald.Broker.Auth.AclSubject;

namespace Herald.Broker.Tests.Acl;

/// <summary>
/// <see cref="AclPolicy"/> decisions, as Mosquitto decides with an acl_file: no rule allows
/// everything; with rules only what a rule grants is allowed, and a matching deny wins.
/// </summary>
public sealed class AclPolicyTests
{
    private static AclRule Rule(AclSubject subject, string? principal, AclAccess access, string topic) => new(0, subject, principal, access, topic);

    private static AclPolicy Policy(params AclRule[] rules) => new(rules);

    [Fact]
    public void Without_rules_everything_is_allowed()
    {
        var policy = AclPolicy.Empty;

        Assert.True(policy.IsEmpty);
        Assert.True(policy.CanWrite("c", null, "any/topic"));
        Assert.True(policy.CanSubscribe("c", null, "#"));
        Assert.True(policy.CanRead("c", "alice", "$SYS/broker"));
    }

    [Fact]
    public void With_a_rule_only_what_a_rule_grants_is_allowed()
    {
        var policy = Policy(Rule(User, "alice", ReadWrite, "a/#"));

        Assert.True(policy.CanWrite("c", "alice", "a/x"));
        Assert.False(policy.CanWrite("c", "alice", "b/x"));
        Assert.False(policy.CanSubscribe("c", "alice", "b/#"));
        Assert.False(policy.CanRead("c", "alice", "b/x"));
        Assert.False(policy.CanWrite("c", "bob", "a/x"));
        Assert.False(policy.CanWrite("c", null, "a/x"));
    }

    [Fact]
    public void User_rule_applies_to_that_username_only()
    {
        var policy = Policy(Rule(User, "alice", ReadWrite, "t"));

        Assert.True(policy.CanWrite("any", "alice", "t"));
        Assert.False(policy.CanWrite("any", "bob", "t"));
        Assert.False(policy.CanWrite("any", "Alice", "t")); // usernames are compared exactly
        Assert.False(policy.CanWrite("alice", null, "t")); // a client id is not a username
    }

    [Fact]
    public void User_rules_do_not_apply_to_an_anonymous_client()
    {
        var policy = Policy(Rule(User, "alice", ReadWrite, "#"), Rule(Everyone, null, Read, "public/#"));

        Assert.False(policy.CanWrite("anon", null, "public/x"));
        Assert.False(policy.CanSubscribe("anon", null, "#"));
        Assert.True(policy.CanSubscribe("anon", null, "public/#"));
        Assert.True(policy.CanRead("anon", null, "public/x"));
    }

    [Fact]
    public void Anonymous_rule_applies_to_clients_without_a_username_only()
    {
        var policy = Policy(Rule(Anonymous, null, ReadWrite, "guest/#"));

        Assert.True(policy.CanWrite("c", null, "guest/x"));
        Assert.False(policy.CanWrite("c", "alice", "guest/x"));
    }

    [Theory]
    [InlineData("sensor-*", "sensor-1", true)]
    [InlineData("sensor-*", "sensor-", true)] // '*' stands for any run, the empty one too
    [InlineData("sensor-*", "sensor", false)]
    [InlineData("sensor-*", "xsensor-1", false)]
    [InlineData("*-gw", "lab-gw", true)]
    [InlineData("*-gw", "lab-gw2", false)]
    [InlineData("a*b*c", "aXXbYc", true)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "acb", false)]
    [InlineData("*", "anything", true)]
    [InlineData("sensor", "sensor", true)]
    [InlineData("sensor", "sensor-1", false)] // without '*' the id itself
    [InlineData("sensor+", "sensor-1", false)] // '+' in a pattern is no wildcard
    public void Client_rule_applies_to_client_ids_its_pattern_matches(string pattern, string clientId, bool applies)
    {
        var policy = Policy(Rule(Client, pattern, Write, "t"));

        Assert.Equal(applies, policy.CanWrite(clientId, null, "t"));
        Assert.Equal(applies, policy.CanWrite(clientId, "alice", "t"));
    }

    [Fact]
    public void Everyone_rule_applies_to_anonymous_clients_and_users()
    {
        var policy = Policy(Rule(Everyone, null, Write, "t"));

        Assert.True(policy.CanWrite("c1", null, "t"));
        Assert.True(policy.CanWrite("c2", "alice", "t"));
        Assert.False(policy.CanWrite("c1", null, "u"));
    }

    [Theory]
    [InlineData(Read, false, true)]
    [InlineData(Write, true, false)]
    [InlineData(ReadWrite, true, true)]
    [InlineData(Deny, false, false)]
    public void Access_grants_publish_or_subscribe_and_receive(AclAccess access, bool write, bool read)
    {
        // An unrelated grant keeps the policy in force even when the rule under test is a deny.
        var policy = Policy(Rule(Everyone, null, access, "a/#"), Rule(Everyone, null, ReadWrite, "other"));

        Assert.Equal(write, policy.CanWrite("c", "alice", "a/b"));
        Assert.Equal(read, policy.CanSubscribe("c", "alice", "a/b"));
        Assert.Equal(read, policy.CanSubscribe("c", "alice", "a/#"));
        Assert.Equal(read, policy.CanRead("c", "alice", "a/b"));
    }

    [Fact]
    public void Deny_wins_over_a_grant_whatever_their_order()
    {
        AclRule grant = Rule(Everyone, null, ReadWrite, "#"), deny = Rule(User, "alice", Deny, "secret/#");

        foreach (var policy in new[] { Policy(grant, deny), Policy(deny, grant) })
        {
            Assert.False(policy.CanWrite("c", "alice", "secret/x"));
            Assert.False(policy.CanRead("c", "alice", "secret/x"));
            Assert.False(policy.CanSubscribe("c", "alice", "secret/+"));
            Assert.True(policy.CanWrite("c", "alice", "public/x"));
            Assert.True(policy.CanWrite("c", "bob", "secret/x"));
        }
    }

    [Fact]
    public void Deny_of_a_part_lets_the_wider_subscription_through_and_holds_back_that_part()
    {
        var policy = Policy(Rule(Everyone, null, Read, "#"), Rule(Everyone, null, Deny, "a/secret"));

        Assert.True(policy.CanSubscribe("c", null, "a/#"));
        Assert.True(policy.CanRead("c", null, "a/open"));
        Assert.False(policy.CanRead("c", null, "a/secret"));
        Assert.False(policy.CanSubscribe("c", null, "a/secret"));
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.1-2")]
    [Trait("Spec", "MQTT-4.7.1-3")]
    [InlineData("a/b", true)]
    [InlineData("a/+", true)]
    [InlineData("a/#", false)] // also "a/b/c", which "a/+" does not match
    [InlineData("a/+/c", false)]
    [InlineData("+/b", false)]
    [InlineData("#", false)]
    public void Subscription_is_granted_only_within_the_filter_of_a_rule(string filter, bool granted)
    {
        var policy = Policy(Rule(Everyone, null, Read, "a/+"));

        Assert.Equal(granted, policy.CanSubscribe("c", null, filter));
    }

    [Theory]
    [Trait("Spec", "MQTT-4.7.2-1")]
    [InlineData("$SYS/broker/clients", false)]
    [InlineData("a/b", true)]
    public void Rule_for_hash_does_not_reach_dollar_topics(string topic, bool allowed)
    {
        var policy = Policy(Rule(Everyone, null, ReadWrite, "#"));

        Assert.Equal(allowed, policy.CanRead("c", null, topic));
        Assert.Equal(allowed, policy.CanWrite("c", null, topic));
    }

    [Fact]
    public void Percent_u_stands_for_the_username()
    {
        var policy = Policy(Rule(Everyone, null, ReadWrite, "users/%u/#"));

        Assert.True(policy.CanWrite("c", "alice", "users/alice/x"));
        Assert.True(policy.CanSubscribe("c", "alice", "users/alice/#"));
        Assert.False(policy.CanWrite("c", "alice", "users/bob/x"));
        Assert.False(policy.CanSubscribe("c", "alice", "users/+/x"));
        Assert.False(policy.CanWrite("c", null, "users/%u/x")); // no username: the rule is for nobody
    }

    [Fact]
    public void Percent_c_stands_for_the_client_id()
    {
        var policy = Policy(Rule(Everyone, null, Write, "clients/%c/status"), Rule(User, "alice", Read, "clients/%c/%u"));

        Assert.True(policy.CanWrite("c1", null, "clients/c1/status"));
        Assert.False(policy.CanWrite("c1", null, "clients/c2/status"));
        Assert.True(policy.CanRead("c1", "alice", "clients/c1/alice"));
        Assert.False(policy.CanRead("c2", "alice", "clients/c1/alice"));
    }

    [Theory]
    [InlineData("+", "users/+/#")]
    [InlineData("+", "users/bob/x")]
    [InlineData("#", "users/#")]
    [InlineData("#", "users/bob/x")]
    [InlineData("a/b", "users/a/b/x")] // user "a"'s tree
    [InlineData("a/b", "users/a/b")]
    public void Username_with_a_wildcard_or_separator_does_not_widen_a_percent_u_rule(string username, string filterOrTopic)
    {
        var policy = Policy(Rule(Everyone, null, ReadWrite, "users/%u/#"));

        Assert.False(policy.CanSubscribe("c", username, filterOrTopic));
        Assert.False(policy.CanRead("c", username, filterOrTopic));
        if (!filterOrTopic.Contains('+') && !filterOrTopic.Contains('#'))
            Assert.False(policy.CanWrite("c", username, filterOrTopic));
    }

    [Theory]
    [InlineData("+", "clients/+/#")]
    [InlineData("#", "clients/other/x")]
    [InlineData("a/b", "clients/a/b/x")]
    public void Client_id_with_a_wildcard_or_separator_does_not_widen_a_percent_c_rule(string clientId, string filterOrTopic)
    {
        var policy = Policy(Rule(Everyone, null, ReadWrite, "clients/%c/#"));

        Assert.False(policy.CanSubscribe(clientId, null, filterOrTopic));
        Assert.False(policy.CanRead(clientId, null, filterOrTopic));
    }

    [Fact]
    public void Username_with_a_wildcard_keeps_the_rules_without_substitution()
    {
        var policy = Policy(Rule(Everyone, null, ReadWrite, "users/%u/#"), Rule(Everyone, null, Read, "public/#"));

        Assert.True(policy.CanRead("c", "a+b", "public/x"));
        Assert.False(policy.CanRead("c", "a+b", "users/a+b/x"));
    }
}

namespace Herald.Broker.Auth;

/// <summary>
/// Where ACL rules are kept (the SQLite auth database or Redis), changed by the CLI and the HTTP
/// API while the server runs; <see cref="GetVersionAsync"/> tells the server when to reload.
/// </summary>
public interface IAclStore
{
    ValueTask<IReadOnlyList<AclRule>> ListRulesAsync(CancellationToken cancellationToken);

    /// <summary>Adds a rule and returns it with its id.</summary>
    ValueTask<AclRule> AddRuleAsync(AclRule rule, CancellationToken cancellationToken);

    /// <summary>Returns false when there was no rule with this id.</summary>
    ValueTask<bool> RemoveRuleAsync(long id, CancellationToken cancellationToken);

    /// <summary>A number that changes whenever the rules or the bans change.</summary>
    ValueTask<long> GetVersionAsync(CancellationToken cancellationToken);
}

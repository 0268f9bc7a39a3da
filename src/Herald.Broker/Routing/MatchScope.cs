namespace Herald.Broker.Routing;

/// <summary>
/// Which subscriptions a match may deliver to on this node. On one node: all of them. In a
/// cluster each shared group takes a message on one node only, so the node a message was
/// published on leaves out the groups it sent to other nodes, and a node that received a
/// forwarded message serves only what the sender asked of it.
/// </summary>
public readonly struct MatchScope
{
    private readonly IReadOnlySet<string>? _groups;
    private readonly bool _onlyListed;

    private MatchScope(bool ordinary, IReadOnlySet<string>? groups, bool onlyListed)
    {
        Ordinary = ordinary;
        _groups = groups;
        _onlyListed = onlyListed;
    }

    /// <summary>Every ordinary subscription and every shared group.</summary>
    public static MatchScope All => new(ordinary: true, null, onlyListed: false);

    /// <summary>Every ordinary subscription and every shared group but those keyed in <paramref name="elsewhere"/>.</summary>
    public static MatchScope Except(IReadOnlySet<string>? elsewhere) => new(ordinary: true, elsewhere, onlyListed: false);

    /// <summary>What another node asked of this one: ordinary subscriptions or not, and the listed groups.</summary>
    public static MatchScope Forwarded(bool ordinary, IReadOnlySet<string>? groups) => new(ordinary, groups, onlyListed: true);

    /// <summary>The groups another node asked this one to serve (<see cref="Forwarded"/>); null otherwise.</summary>
    public IReadOnlySet<string>? AskedGroups => _onlyListed ? _groups : null;

    /// <summary>Whether ordinary (unshared) subscriptions get the message.</summary>
    public bool Ordinary { get; }

    /// <summary>Whether the group keyed <c>$share/{name}/{filter}</c> gets the message here.</summary>
    public bool Serves(string groupKey) =>
        _onlyListed ? _groups is not null && _groups.Contains(groupKey) : _groups is null || !_groups.Contains(groupKey);
}

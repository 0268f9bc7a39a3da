using Herald.Broker.Auth;

namespace Herald.Server.Hosting;

/// <summary>
/// Keeps the broker's ACL and bans in step with the auth store: loads them before clients
/// connect, then polls the store's version every <see cref="Interval"/> and swaps in the new ones
/// when another process (the CLI) or the HTTP API changed them. Connected clients are judged by
/// the new rules from their next packet on; a newly banned one is closed at once.
/// </summary>
public sealed partial class PolicyRefresher(Broker.Broker broker, IAclStore store, IBanStore bans, ILogger<PolicyRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private long _version = -1;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The rules in force stay; the next tick tries again.
                    RefreshFailed(logger, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var version = await store.GetVersionAsync(cancellationToken);
        if (version == _version)
            return;
        var rules = await store.ListRulesAsync(cancellationToken);
        var banned = await bans.ListBansAsync(cancellationToken);
        broker.Acl = new AclPolicy(rules);
        broker.Bans = new BanList(banned);
        if (_version >= 0 || rules.Count > 0 || banned.Count > 0)
            Loaded(logger, rules.Count, banned.Count);
        _version = version;
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information,
        Message = "ACL: {Rules} rules in force (none: every client may publish and subscribe to anything); {Bans} bans")]
    private static partial void Loaded(ILogger logger, int rules, int bans);

    [LoggerMessage(EventId = 211, Level = LogLevel.Error, Message = "ACL: could not read the rules and bans; those in force stay")]
    private static partial void RefreshFailed(ILogger logger, Exception exception);
}

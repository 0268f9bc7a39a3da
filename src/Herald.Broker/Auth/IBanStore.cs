namespace Herald.Broker.Auth;

/// <summary>Where bans are kept, changed by the CLI and the HTTP API while the server runs.</summary>
public interface IBanStore
{
    ValueTask<IReadOnlyList<Ban>> ListBansAsync(CancellationToken cancellationToken);

    /// <summary>Adds a ban and returns it with its id.</summary>
    ValueTask<Ban> AddBanAsync(Ban ban, CancellationToken cancellationToken);

    /// <summary>Returns false when there was no ban with this id.</summary>
    ValueTask<bool> RemoveBanAsync(long id, CancellationToken cancellationToken);
}

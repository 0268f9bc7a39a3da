namespace Herald.Broker.Auth;

/// <summary>Users, ACL rules and bans kept together: the SQLite auth database or Redis.</summary>
public interface IAuthStore : IUserStore, IAclStore, IBanStore
{
    /// <summary>Where they are, for messages: a file path or a Redis address.</summary>
    string Location { get; }
}

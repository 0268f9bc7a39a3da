namespace Herald.Broker.Auth;

/// <summary>What a client presents in CONNECT, for an <see cref="IAuthenticator"/> to judge.</summary>
public sealed record ConnectRequest(string ClientId, string? Username, byte[]? Password, string RemoteEndPoint);

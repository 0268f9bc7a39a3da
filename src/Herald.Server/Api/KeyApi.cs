namespace Herald.Server.Api;

/// <summary>
/// <c>GET /api/v1/key</c>: what the key sent may do, for any valid key, so a client (the
/// dashboard) offers only the actions it will be allowed.
/// </summary>
public static class KeyApi
{
    /// <param name="Scopes">The key's scopes in lower case: publish, read, admin (the main key has all three).</param>
    public sealed record KeyScopes(IReadOnlyList<string> Scopes);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/key", (HttpContext context) =>
            Results.Ok(new KeyScopes([.. context.ApiScopes().Select(s => s.ToString().ToLowerInvariant())])))
            .RequireAnyScope().Produces<KeyScopes>();
    }
}

using System.Security.Cryptography;
using System.Text;
using Herald.Server.Configuration;
using Microsoft.Extensions.Options;

namespace Herald.Server.Api;

/// <summary>
/// Lets a request through to the API only with a configured key, as <c>Authorization: Bearer KEY</c>
/// or <c>X-Api-Key: KEY</c>, compared in constant time, and only when the key holds the
/// <see cref="ApiScope"/> the endpoint names in its metadata (<see cref="ApiScope.Admin"/> when it
/// names none; any scope when it names <see cref="ApiScopeMetadata.Any"/>). <c>Herald:Http:ApiKey</c>
/// holds every scope; <c>Herald:Http:ApiKeys</c> the ones listed. Without any key the API is closed
/// (403), never open. The key's scopes are left in <see cref="HttpContext.Items"/> for the endpoint.
/// </summary>
public sealed class ApiKeyFilter(IOptions<HeraldOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = options.Value.Http;
        if (http.ApiKey is not { Length: > 0 } && http.ApiKeys.Count == 0)
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The API is off", detail: "Set Herald:Http:ApiKey to turn it on.");
        var needed = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<ApiScopeMetadata>() ?? new ApiScopeMetadata(ApiScope.Admin);
        var scopes = ScopesOf(Presented(context.HttpContext.Request), http);
        if (scopes is null)
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key missing or wrong",
                detail: "Send a key of Herald:Http:ApiKey or Herald:Http:ApiKeys as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'.");
        }
        if (needed.Scope is { } scope && !scopes.Contains(ApiScope.Admin) && !scopes.Contains(scope))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "API key lacks a scope",
                detail: $"This request needs a key with the '{scope.ToString().ToLowerInvariant()}' scope.");
        }
        context.HttpContext.Items[typeof(ApiScope)] = scopes;
        return await next(context);
    }

    /// <summary>The scopes of the key presented, or null when it is none of the configured keys.</summary>
    public static IReadOnlyCollection<ApiScope>? ScopesOf(string presented, HttpListenerOptions http)
    {
        var bytes = Encoding.UTF8.GetBytes(presented);
        if (http.ApiKey is { Length: > 0 } master && CryptographicOperations.FixedTimeEquals(bytes, Encoding.UTF8.GetBytes(master)))
            return Enum.GetValues<ApiScope>();
        foreach (var key in http.ApiKeys)
        {
            if (CryptographicOperations.FixedTimeEquals(bytes, Encoding.UTF8.GetBytes(key.Key)))
                return [.. key.Scopes.Select(s => Enum.Parse<ApiScope>(s, ignoreCase: true))];
        }
        return null;
    }

    private static string Presented(HttpRequest request)
    {
        var presented = request.Headers["X-Api-Key"].ToString();
        // The scheme is case-insensitive (RFC 9110, section 11.1).
        if (presented.Length == 0 && request.Headers.Authorization.ToString() is { } authorization && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            presented = authorization["Bearer ".Length..].Trim();
        return presented;
    }
}

/// <summary>The scope an endpoint needs, read by <see cref="ApiKeyFilter"/>; null for any valid key.</summary>
public sealed record ApiScopeMetadata(ApiScope? Scope)
{
    public static ApiScopeMetadata Any { get; } = new((ApiScope?)null);
}

public static class ApiScopeExtensions
{
    /// <summary>Marks the endpoints as needing <paramref name="scope"/>.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ApiScope scope) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ApiScopeMetadata(scope));

    /// <summary>Marks the endpoints as open to any valid key, whatever its scopes.</summary>
    public static TBuilder RequireAnyScope<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(ApiScopeMetadata.Any);

    /// <summary>The scopes of the key that <see cref="ApiKeyFilter"/> let this request in with.</summary>
    public static IReadOnlyCollection<ApiScope> ApiScopes(this HttpContext context) =>
        (IReadOnlyCollection<ApiScope>)context.Items[typeof(ApiScope)]!;
}

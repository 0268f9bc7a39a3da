using System.Security.Cryptography;
using System.Text;
using Herald.Server.Configuration;
using Microsoft.Extensions.Options;

namespace Herald.Server.Admin;

/// <summary>
/// Lets a request through to the admin API only with the configured key, as
/// <c>Authorization: Bearer KEY</c> or <c>X-Api-Key: KEY</c>, compared in constant time.
/// Without a configured key the admin API is closed (403), never open.
/// </summary>
public sealed class ApiKeyFilter(IOptions<HeraldOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (options.Value.Http.ApiKey is not { Length: > 0 } expected)
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The admin API is off", detail: "Set Herald:Http:ApiKey to turn it on.");
        var request = context.HttpContext.Request;
        var presented = request.Headers["X-Api-Key"].ToString();
        if (presented.Length == 0 && request.Headers.Authorization.ToString() is { } authorization && authorization.StartsWith("Bearer ", StringComparison.Ordinal))
            presented = authorization["Bearer ".Length..];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "API key missing or wrong",
                detail: "Send the key of Herald:Http:ApiKey as 'Authorization: Bearer KEY' or 'X-Api-Key: KEY'.");
        }
        return await next(context);
    }
}

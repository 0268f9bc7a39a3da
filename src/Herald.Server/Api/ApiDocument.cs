using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Herald.Server.Api;

/// <summary>What <c>/openapi/v1.json</c> says of the API as a whole: its title, and how a key is sent.</summary>
public sealed class ApiDocument : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Herald HTTP API";
        document.Info.Description = "Publish and push messages, read inboxes, statistics and hot topics, manage clients, sessions, "
            + "retained messages, users, ACL rules and bans. Every /api/v1 request needs an API key with the scope the "
            + "endpoint needs (publish, read or admin); errors are RFC 9457 problem details naming the field at fault.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            ["bearer"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.Http, Scheme = "bearer", Description = "Authorization: Bearer KEY" },
            ["apiKey"] = new OpenApiSecurityScheme { Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Api-Key" },
        };
        document.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] },
        ];
        return Task.CompletedTask;
    }
}

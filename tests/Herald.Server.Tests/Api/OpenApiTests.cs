using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Api;

/// <summary><c>GET /openapi/v1.json</c>: the API's OpenAPI document, served without a key, true to the API.</summary>
public sealed class OpenApiTests(ApiServer server) : IClassFixture<ApiServer>
{
    [Fact]
    public async Task Openapi_document_lists_the_push_endpoints_without_a_key()
    {
        using var document = await ReadDocumentAsync();

        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString());
        var paths = document.RootElement.GetProperty("paths");
        Assert.All(["/api/v1/publish", "/api/v1/publish/batch", "/api/v1/users/{user}/publish", "/api/v1/clients/{clientId}/publish",
            "/api/v1/users/{user}/messages", "/api/v1/topics/hot", "/api/v1/retained/message"],
            path => Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the document"));
        Assert.True(paths.GetProperty("/api/v1/publish").TryGetProperty("post", out _));
    }

    [Fact]
    public async Task Openapi_document_requires_no_message_field_the_api_does_not()
    {
        using var document = await ReadDocumentAsync();

        // A message carries payload or payload_base64, never both; every field but the topic of
        // a publish is optional, and a push may leave out the topic too.
        var schema = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("PublishRequest");
        string[] required = schema.TryGetProperty("required", out var list) ? [.. list.EnumerateArray().Select(e => e.GetString()!)] : [];
        Assert.Empty(required.Except(["topic"]));
    }

    private async Task<JsonDocument> ReadDocumentAsync()
    {
        using var http = new HttpClient { Timeout = Wait.Bound };
        using var response = await http.GetAsync($"http://127.0.0.1:{server.HttpPort}/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}

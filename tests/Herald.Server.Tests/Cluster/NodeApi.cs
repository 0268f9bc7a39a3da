using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Durability;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// Real HTTP requests to one node's <c>/api/v1/</c> with <see cref="ThreeNodes.ApiKey"/>, as
/// <see cref="ApiClient"/> sends them to an in-process server: the answer must be 200 with JSON.
/// </summary>
public sealed class NodeApi(HeraldProcess node) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{node.HttpPort}/api/v1/"), Timeout = Wait.Bound };

    public void Dispose() => _http.Dispose();

    public async Task<JsonElement> OkAsync(HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", ThreeNodes.ApiKey);
        if (body is not null)
            request.Content = new StringContent(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> GetAsync(string path) => OkAsync(HttpMethod.Get, path);

    public Task<JsonElement> PublishAsync(object message) => OkAsync(HttpMethod.Post, "publish", message);
}

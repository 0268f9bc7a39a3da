using System.Net;
using System.Text;
using System.Text.Json;

namespace Herald.Server.Tests.Fixtures;

/// <summary>
/// Real HTTP requests to a test server's <c>/api/v1/</c>, sending one API key as <c>X-Api-Key</c>
/// (or none), and the checks every answer needs: the status, and the JSON or problem body.
/// A body is JSON text when it is a string, else an object serialized as it is (snake_case names).
/// </summary>
public sealed class ApiClient(HeraldServer server, string? key) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}/api/v1/"), Timeout = Wait.Bound };

    public void Dispose() => _http.Dispose();

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null, Action<HttpRequestMessage>? configure = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (key is not null)
            request.Headers.Add("X-Api-Key", key);
        if (body is not null)
            request.Content = new StringContent(body as string ?? JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
        configure?.Invoke(request);
        return await _http.SendAsync(request);
    }

    /// <summary>Sends and returns the JSON of the 200 answer, failing with the body otherwise.</summary>
    public async Task<JsonElement> OkAsync(HttpMethod method, string path, object? body = null)
    {
        using var response = await SendAsync(method, path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{method} {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public Task<JsonElement> GetAsync(string path) => OkAsync(HttpMethod.Get, path);

    public Task<JsonElement> PublishAsync(object message) => OkAsync(HttpMethod.Post, "publish", message);

    public Task<JsonElement> PushToUserAsync(string user, object message) => OkAsync(HttpMethod.Post, $"users/{Uri.EscapeDataString(user)}/publish", message);

    public Task<JsonElement> PushToClientAsync(string clientId, object message) => OkAsync(HttpMethod.Post, $"clients/{Uri.EscapeDataString(clientId)}/publish", message);

    /// <summary>Creates the user (admin scope), so an MQTT client may log in with the name and password.</summary>
    public async Task CreateUserAsync(string name, string password)
    {
        using var response = await SendAsync(HttpMethod.Put, $"users/{Uri.EscapeDataString(name)}", new { password });
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"PUT users/{name}: {(int)response.StatusCode}");
    }

    /// <summary>
    /// Waits until the server holds the session of <paramref name="clientId"/> with no client
    /// attached: a client's DISCONNECT returns before the server has handled it.
    /// </summary>
    public Task WaitUntilAwayAsync(string clientId) => Poll.UntilAsync(
        async () =>
        {
            using var response = await SendAsync(HttpMethod.Get, $"sessions/{Uri.EscapeDataString(clientId)}");
            return response.StatusCode == HttpStatusCode.OK
                && !JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("connected").GetBoolean();
        },
        away => away,
        $"the session of {clientId} with no client attached");

    /// <summary>Asserts an RFC 9457 problem (application/problem+json) with <paramref name="status"/> and returns it.</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        return problem;
    }

    /// <summary>Asserts a 400 problem whose <c>errors</c> name <paramref name="field"/>.</summary>
    public static async Task AssertNamesFieldAsync(HttpResponseMessage response, string field)
    {
        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _),
            $"the problem does not name '{field}': {problem}");
    }
}

using System.Net;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Api;

/// <summary>
/// API keys and their scopes: <c>Herald:Http:ApiKey</c> does everything; a key of
/// <c>Herald:Http:ApiKeys</c> only what its scopes allow (403 otherwise); no key or a wrong one is 401.
/// </summary>
public sealed class ApiKeyTests(ApiServer server) : IClassFixture<ApiServer>
{
    [Theory]
    [InlineData(ApiServer.AdminKey, new[] { "publish", "read", "admin" })]
    [InlineData(ApiServer.PublishKey, new[] { "publish" })]
    [InlineData(ApiServer.ReadKey, new[] { "read" })]
    public async Task Any_valid_key_learns_its_own_scopes(string key, string[] scopes)
    {
        using var api = new ApiClient(server, key);

        var answer = await api.GetAsync("key");

        Assert.Equal(scopes, answer.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task Publish_key_publishes_and_pushes_but_cannot_read()
    {
        using var api = new ApiClient(server, ApiServer.PublishKey);

        await api.PublishAsync(new { topic = Unique.Topic("scope"), payload = "x" });
        await api.PushToUserAsync(Unique.ClientId("scope"), new { payload = "x" });
        await AssertForbiddenAsync(api, HttpMethod.Get, "stats");
        await AssertForbiddenAsync(api, HttpMethod.Get, "clients");
        await AssertForbiddenAsync(api, HttpMethod.Get, $"users/{Unique.ClientId("scope")}/messages");
        await AssertForbiddenAsync(api, HttpMethod.Delete, $"clients/{Unique.ClientId("scope")}");
    }

    [Fact]
    public async Task Read_key_reads_but_cannot_publish_push_kick_or_delete()
    {
        using var api = new ApiClient(server, ApiServer.ReadKey);
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("scope"));

        await api.GetAsync("stats");
        await api.GetAsync("clients");
        await api.GetAsync($"sessions/{client.ClientId}");
        await api.GetAsync("retained?filter=test/%23");
        await api.GetAsync($"users/{Unique.ClientId("scope")}/messages");
        await AssertForbiddenAsync(api, HttpMethod.Post, "publish", new { topic = Unique.Topic("scope"), payload = "x" });
        await AssertForbiddenAsync(api, HttpMethod.Post, "publish/batch", new[] { new { topic = Unique.Topic("scope"), payload = "x" } });
        await AssertForbiddenAsync(api, HttpMethod.Post, $"users/{Unique.ClientId("scope")}/publish", new { payload = "x" });
        await AssertForbiddenAsync(api, HttpMethod.Delete, $"clients/{client.ClientId}");
        await AssertForbiddenAsync(api, HttpMethod.Delete, "retained/message?topic=test/anything");
        await AssertForbiddenAsync(api, HttpMethod.Put, $"users/{Unique.ClientId("scope")}", new { password = "pw" });
        Assert.True(client.Client.IsConnected);
    }

    [Fact]
    public async Task Master_key_does_everything()
    {
        using var api = new ApiClient(server, ApiServer.AdminKey);
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("scope"));

        await api.PublishAsync(new { topic = Unique.Topic("scope"), payload = "x" });
        await api.GetAsync("stats");
        await api.GetAsync($"clients/{client.ClientId}");
        using var kicked = await api.SendAsync(HttpMethod.Delete, $"clients/{client.ClientId}");

        Assert.Equal(HttpStatusCode.NoContent, kicked.StatusCode);
        await client.Disconnected.WaitAsync(Wait.Bound);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-configured-key")]
    [InlineData(ApiServer.AdminKey + "x")]
    public async Task Missing_or_wrong_key_is_401(string? key)
    {
        using var api = new ApiClient(server, key);

        using var response = await api.SendAsync(HttpMethod.Post, "publish", new { topic = Unique.Topic("nokey"), payload = "x" });

        await ApiClient.ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.Select(h => h.Scheme));
    }

    [Theory]
    [InlineData("Bearer")]
    [InlineData("bearer")]
    [Trait("Spec", "RFC9110-11.1")] // the authentication scheme is a case-insensitive token
    public async Task Key_is_accepted_as_a_bearer_token(string scheme)
    {
        using var api = new ApiClient(server, key: null);

        using var response = await api.SendAsync(HttpMethod.Get, "stats", configure: r => r.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {ApiServer.ReadKey}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task AssertForbiddenAsync(ApiClient api, HttpMethod method, string path, object? body = null)
    {
        using var response = await api.SendAsync(method, path, body);
        await ApiClient.ProblemAsync(response, HttpStatusCode.Forbidden);
    }
}

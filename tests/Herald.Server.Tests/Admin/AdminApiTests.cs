using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Auth;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Formatter;

namespace Herald.Server.Tests.Admin;

/// <summary>A server whose admin API takes <see cref="Key"/>.</summary>
public sealed class AdminServer() : HeraldServer(null, $"--Herald:Http:ApiKey={Key}")
{
    public const string Key = "test-admin-key";
}

/// <summary>The admin API (<c>/api/v1/users</c>, <c>/api/v1/acl</c>, <c>/api/v1/bans</c>): key checked, input checked, changes applied.</summary>
public sealed class AdminApiTests(AdminServer server) : IClassFixture<AdminServer>, IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}/api/v1/"), Timeout = Wait.Bound };

    public void Dispose() => _http.Dispose();

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    public async Task Request_without_the_right_key_gets_401_problem(string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "users");
        if (key is not null)
            request.Headers.Add("X-Api-Key", key);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Admin_api_without_a_configured_key_answers_403_to_everyone()
    {
        await using var open = await HeraldServer.StartAsync();
        using var http = new HttpClient { Timeout = Wait.Bound };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{open.HttpPort}/api/v1/users");
        request.Headers.Add("X-Api-Key", "");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task User_created_through_the_api_logs_in_and_is_gone_once_deleted()
    {
        var name = Unique.ClientId("apiuser");
        using (var created = await SendAsync(HttpMethod.Put, $"users/{name}", new { password = "s3cret" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using (var list = await SendAsync(HttpMethod.Get, "users"))
            Assert.Contains(name, await list.Content.ReadFromJsonAsync<string[]>() ?? []);

        Assert.Equal(MqttClientConnectResultCode.Success, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V500, name, "s3cret")).Code);
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await Credentials.TryConnectAsync(server.MqttPort, MqttProtocolVersion.V500, name, "wrong")).Code);

        using (var deleted = await SendAsync(HttpMethod.Delete, $"users/{name}"))
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using (var again = await SendAsync(HttpMethod.Delete, $"users/{name}"))
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Acl_rule_created_through_the_api_reaches_the_running_broker()
    {
        using var created = await SendAsync(HttpMethod.Post, "acl", new { subject = "everyone", access = "readwrite", topic = "#" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var rule = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("readWrite", rule.GetProperty("access").GetString());

        await WaitUntilAsync(() => server.Broker.Acl.Rules.Any(r => r.Id == rule.GetProperty("id").GetInt64()));

        using var deleted = await SendAsync(HttpMethod.Delete, $"acl/{rule.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    [Theory]
    [InlineData("acl", """{"subject":"user","access":"read","topic":"a/#"}""", "principal")]
    [InlineData("acl", """{"subject":"everyone","access":"rw","topic":"a/#"}""", "access")]
    [InlineData("acl", """{"subject":"everyone","access":"read","topic":"a/#/b"}""", "topic")]
    [InlineData("acl", """{"subject":"nobody","access":"read","topic":"a"}""", "subject")]
    [InlineData("bans", """{"kind":"address","value":"not-an-ip"}""", "value")]
    [InlineData("bans", """{"kind":"clientid","value":"x","seconds":0}""", "seconds")]
    public async Task Bad_input_gets_a_400_problem_naming_the_field(string path, string json, string field)
    {
        using var response = await SendRawAsync(HttpMethod.Post, path, json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Malformed_json_gets_a_400_problem()
    {
        using var response = await SendRawAsync(HttpMethod.Post, "bans", "{not json");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Ban_created_through_the_api_closes_the_connected_client()
    {
        var clientId = Unique.ClientId("apiban");
        await using var client = await MqttNetClient.ConnectAsync(server.MqttPort, clientId, o => o.WithProtocolVersion(MqttProtocolVersion.V500));

        using var created = await SendAsync(HttpMethod.Post, "bans", new { kind = "clientid", value = clientId, seconds = 600 });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await client.Disconnected.WaitAsync(Wait.Bound);
        var ban = await created.Content.ReadFromJsonAsync<JsonElement>();
        using var deleted = await SendAsync(HttpMethod.Delete, $"bans/{ban.GetProperty("id").GetInt64()}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, object? body = null) =>
        SendRawAsync(method, path, body is null ? null : JsonSerializer.Serialize(body));

    private Task<HttpResponseMessage> SendRawAsync(HttpMethod method, string path, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Api-Key", AdminServer.Key);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return _http.SendAsync(request);
    }


    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Wait.Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the server did not pick up the change in time");
            await Task.Delay(50);
        }
    }
}

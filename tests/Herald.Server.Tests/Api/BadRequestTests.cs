using System.Net;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Api;

/// <summary>
/// Bad input to the API gets a 400 RFC 9457 problem (application/problem+json) naming the field
/// or query parameter at fault, and the server goes on serving.
/// </summary>
public sealed class BadRequestTests(ApiServer server) : IClassFixture<ApiServer>, IDisposable
{
    private readonly ApiClient _api = new(server, ApiServer.AdminKey);

    public void Dispose() => _api.Dispose();

    [Theory]
    [InlineData("publish", """{"payload":"no topic"}""", "topic")]
    [InlineData("publish", """{"topic":"","payload":"x"}""", "topic")]
    [InlineData("publish", """{"topic":"sensors/+/t","payload":"x"}""", "topic")]
    [InlineData("publish", """{"topic":"sensors/#","payload":"x"}""", "topic")]
    [InlineData("publish", """{"topic":"$SYS/x","payload":"x"}""", "topic")]
    [InlineData("publish", """{"topic":"a","payload":"x","payload_base64":"eA=="}""", "payload")]
    [InlineData("publish", """{"topic":"a","payload_base64":"not base64!"}""", "payload_base64")]
    [InlineData("publish", """{"topic":"a","qos":3}""", "qos")]
    [InlineData("publish", """{"topic":"a","qos":-1}""", "qos")]
    [InlineData("publish", """{"topic":"a","message_expiry_interval":0}""", "message_expiry_interval")]
    [InlineData("publish", """{"topic":"a","message_expiry_interval":4294967296}""", "message_expiry_interval")]
    [InlineData("publish", """{"topic":"a","response_topic":"replies/#"}""", "response_topic")]
    [InlineData("publish", """{"topic":"a","user_properties":{"":"v"}}""", "user_properties")]
    [InlineData("publish/batch", "[]", "$")]
    [InlineData("publish/batch", """[{"topic":"a"},{"topic":"a","qos":3}]""", "[1].qos")]
    [InlineData("users/alice/publish", """{"payload":"x","retain":true}""", "retain")]
    [InlineData("users/alice/publish", """{"topic":"a/#","payload":"x"}""", "topic")]
    public async Task Bad_message_is_refused_naming_the_field(string path, string json, string field)
    {
        using var response = await _api.SendAsync(HttpMethod.Post, path, json);

        await ApiClient.AssertNamesFieldAsync(response, field);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Retain_on_a_push_to_a_client_is_refused_naming_the_field()
    {
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("retain"));

        using var response = await _api.SendAsync(HttpMethod.Post, $"clients/{client.ClientId}/publish", """{"payload":"x","retain":true}""");

        await ApiClient.AssertNamesFieldAsync(response, "retain");
    }

    [Theory]
    [InlineData("""{"topic":"a/b\u0000c","payload":"x"}""", "topic")]
    [InlineData("""{"topic":"a","content_type":"text/plain\u0000"}""", "content_type")]
    [InlineData("""{"topic":"a","response_topic":"replies/\u0000"}""", "response_topic")]
    [InlineData("""{"topic":"a","user_properties":{"k":"v\u0000"}}""", "user_properties")]
    [Trait("Spec", "MQTT-1.5.4-2")] // a UTF-8 string the server sends MUST NOT hold U+0000; its own codec refuses one from a client
    public async Task String_holding_the_null_character_is_refused_naming_the_field(string json, string field)
    {
        using var response = await _api.SendAsync(HttpMethod.Post, "publish", json);

        await ApiClient.AssertNamesFieldAsync(response, field);
    }

    [Theory]
    [InlineData("clients?limit=0", "limit")]
    [InlineData("clients?offset=-1", "offset")]
    [InlineData("sessions?limit=1001", "limit")]
    [InlineData("retained?filter=a/%23/b", "filter")]
    [InlineData("topics/hot?window=2m", "window")]
    [InlineData("topics/hot?limit=0", "limit")]
    [InlineData("clients?limit=ten", "limit")]
    public async Task Bad_query_is_refused_naming_the_parameter(string pathAndQuery, string field)
    {
        using var response = await _api.SendAsync(HttpMethod.Get, pathAndQuery);

        await ApiClient.AssertNamesFieldAsync(response, field);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("publish", """{"topic":""")]
    [InlineData("publish", "not json at all")]
    [InlineData("publish/batch", """{"topic":"a"}""")]
    [InlineData("users/alice/publish", "[1, 2")]
    public async Task Malformed_json_is_a_400_problem(string path, string json)
    {
        using var response = await _api.SendAsync(HttpMethod.Post, path, json);

        await ApiClient.ProblemAsync(response, HttpStatusCode.BadRequest);
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("""{"topic":["a"]}""", "topic")]
    [InlineData("""{"topic":"a","retain":"yes"}""", "retain")]
    public async Task Field_of_the_wrong_json_type_is_refused_naming_it(string json, string field)
    {
        using var response = await _api.SendAsync(HttpMethod.Post, "publish", json);

        await ApiClient.AssertNamesFieldAsync(response, field);
        await AssertStillServesAsync();
    }

    /// <summary>A publish that must go through after the bad request: the server did not fall over.</summary>
    private async Task AssertStillServesAsync()
    {
        var answer = await _api.PublishAsync(new { topic = Unique.Topic("alive"), payload = "still here" });
        Assert.Equal(0, answer.GetProperty("matched").GetInt32());
    }
}

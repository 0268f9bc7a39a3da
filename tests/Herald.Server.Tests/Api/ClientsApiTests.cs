using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Api;

/// <summary>
/// <c>/api/v1/clients</c> and <c>/api/v1/sessions</c>: list, search and read the connected
/// clients and the sessions (away ones too), and kick a client.
/// </summary>
public sealed class ClientsApiTests(ApiServer server) : IClassFixture<ApiServer>, IDisposable
{
    private const string Password = "clients-test-password";

    private readonly ApiClient _api = new(server, ApiServer.AdminKey);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task Client_is_found_by_its_client_id_with_what_it_connected_with()
    {
        var clientId = Unique.ClientId("listed");
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId,
            o => o.WithKeepAlivePeriod(TimeSpan.FromSeconds(42)).WithCleanStart(false).WithSessionExpiryInterval(120));
        await client.SubscribeAsync(Unique.Topic("a"), MqttQualityOfServiceLevel.AtLeastOnce);
        await client.SubscribeAsync(Unique.Topic("b"), MqttQualityOfServiceLevel.AtMostOnce);

        var page = await _api.GetAsync($"clients?search={clientId.ToUpperInvariant()}");

        Assert.Equal(1, page.GetProperty("total").GetInt32());
        var item = page.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(clientId, item.GetProperty("client_id").GetString());
        Assert.Equal("5.0", item.GetProperty("protocol").GetString());
        Assert.Equal(42, item.GetProperty("keep_alive").GetInt32());
        Assert.True(item.GetProperty("persistent").GetBoolean());
        Assert.Equal(2, item.GetProperty("subscriptions").GetInt32());
        Assert.StartsWith("127.0.0.1", item.GetProperty("address").GetString());
        Assert.NotEqual(JsonValueKind.Null, item.GetProperty("connected_at").ValueKind);
        var one = await _api.GetAsync($"clients/{clientId}");
        Assert.Equal(clientId, one.GetProperty("client_id").GetString());
    }

    [Fact]
    public async Task Clients_are_found_by_username_a_page_at_a_time()
    {
        var user = Unique.ClientId("owner");
        await _api.CreateUserAsync(user, Password);
        await using var phone = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("a-phone"), o => o.WithCredentials(user, Password));
        await using var tablet = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("b-tablet"), o => o.WithCredentials(user, Password));
        await using var stranger = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("stranger"));

        var all = await _api.GetAsync($"clients?search={user}");
        var first = await _api.GetAsync($"clients?search={user}&limit=1");
        var second = await _api.GetAsync($"clients?search={user}&offset=1&limit=1");

        Assert.Equal(2, all.GetProperty("total").GetInt32());
        Assert.All(all.GetProperty("items").EnumerateArray(), item => Assert.Equal(user, item.GetProperty("username").GetString()));
        Assert.Equal((2, phone.ClientId, "3.1.1"), (first.GetProperty("total").GetInt32(), ClientIdOf(first), ProtocolOf(first)));
        Assert.Equal((2, tablet.ClientId, "5.0"), (second.GetProperty("total").GetInt32(), ClientIdOf(second), ProtocolOf(second)));
    }

    [Fact]
    public async Task Client_whose_id_holds_a_slash_is_read_pushed_to_and_kicked()
    {
        var clientId = "site-7/" + Unique.ClientId("dev");
        var path = $"clients/{Uri.EscapeDataString(clientId)}";
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId);

        Assert.Equal(clientId, (await _api.GetAsync(path)).GetProperty("client_id").GetString());
        await _api.OkAsync(HttpMethod.Post, $"{path}/publish", new { payload = "found you" });
        Assert.Equal("found you", (await client.ReceiveAsync()).Payload);
        using var kicked = await _api.SendAsync(HttpMethod.Delete, path);
        Assert.Equal(HttpStatusCode.NoContent, kicked.StatusCode);
    }

    [Fact]
    public async Task Unknown_client_is_404()
    {
        using var response = await _api.SendAsync(HttpMethod.Get, $"clients/{Unique.ClientId("ghost")}");

        await ApiClient.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Kicked_mqtt5_client_hears_administrative_action_and_its_will_is_published()
    {
        var willTopic = Unique.Topic("kickwill");
        await using var watcher = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("watcher"));
        await watcher.SubscribeAsync(willTopic, MqttQualityOfServiceLevel.AtLeastOnce);
        await using var victim = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("victim"), o => o
            .WithWillTopic(willTopic).WithWillPayload("kicked out").WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce));

        using var response = await _api.SendAsync(HttpMethod.Delete, $"clients/{victim.ClientId}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var disconnected = await victim.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, disconnected.Reason);
        var will = await watcher.ReceiveAsync();
        Assert.Equal((willTopic, "kicked out"), (will.Topic, will.Payload));
    }

    [Fact]
    public async Task Kicked_mqtt311_client_is_disconnected_and_its_persistent_session_stays()
    {
        await using var victim = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("victim"), o => o.WithCleanSession(false));

        using var response = await _api.SendAsync(HttpMethod.Delete, $"clients/{victim.ClientId}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        await victim.Disconnected.WaitAsync(Wait.Bound);
        await _api.WaitUntilAwayAsync(victim.ClientId);
        using var gone = await _api.SendAsync(HttpMethod.Get, $"clients/{victim.ClientId}");
        await ApiClient.ProblemAsync(gone, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Kicking_an_unknown_client_is_404()
    {
        using var response = await _api.SendAsync(HttpMethod.Delete, $"clients/{Unique.ClientId("ghost")}");

        await ApiClient.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Away_persistent_session_is_listed_with_its_subscriptions()
    {
        var user = Unique.ClientId("sessions");
        await _api.CreateUserAsync(user, Password);
        var clientId = Unique.ClientId("away");
        var topic = Unique.Topic("sub");
        await using (var client = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId,
            o => o.WithCredentials(user, Password).WithCleanStart(false).WithSessionExpiryInterval(600)))
        {
            await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(new MqttTopicFilterBuilder().WithTopic(topic + "/a").WithAtLeastOnceQoS()
                    .WithNoLocal(true).WithRetainAsPublished(true).WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe))
                .WithSubscriptionIdentifier(7).Build());
            await client.SubscribeAsync(topic + "/b", MqttQualityOfServiceLevel.AtMostOnce);
        }
        await _api.WaitUntilAwayAsync(clientId);
        await _api.PublishAsync(new { topic = topic + "/a", payload = "waiting", qos = 1 });

        var page = await _api.GetAsync($"sessions?search={user}");

        Assert.Equal(1, page.GetProperty("total").GetInt32());
        var session = page.GetProperty("items")[0];
        Assert.Equal(clientId, session.GetProperty("client_id").GetString());
        Assert.Equal(user, session.GetProperty("username").GetString());
        Assert.False(session.GetProperty("connected").GetBoolean());
        Assert.Equal(600, session.GetProperty("expiry_interval").GetInt64());
        Assert.Equal(1, session.GetProperty("queued").GetInt32());
        var subscriptions = session.GetProperty("subscriptions");
        Assert.Equal(2, subscriptions.GetArrayLength());
        var a = subscriptions[0];
        Assert.Equal(topic + "/a", a.GetProperty("filter").GetString());
        Assert.Equal(1, a.GetProperty("qos").GetInt32());
        Assert.True(a.GetProperty("no_local").GetBoolean());
        Assert.True(a.GetProperty("retain_as_published").GetBoolean());
        Assert.Equal(2, a.GetProperty("retain_handling").GetInt32());
        Assert.Equal(7, a.GetProperty("subscription_id").GetInt32());
        var b = subscriptions[1];
        Assert.Equal((topic + "/b", 0, false, JsonValueKind.Null),
            (b.GetProperty("filter").GetString(), b.GetProperty("qos").GetInt32(), b.GetProperty("no_local").GetBoolean(), b.GetProperty("subscription_id").ValueKind));
        Assert.Equal(session.ToString(), (await _api.GetAsync($"sessions/{clientId}")).ToString());
        using var clients = await _api.SendAsync(HttpMethod.Get, $"clients/{clientId}");
        await ApiClient.ProblemAsync(clients, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Unknown_session_is_404()
    {
        using var response = await _api.SendAsync(HttpMethod.Get, $"sessions/{Unique.ClientId("ghost")}");

        await ApiClient.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    private static string? ClientIdOf(JsonElement page) => page.GetProperty("items").EnumerateArray().Single().GetProperty("client_id").GetString();

    private static string? ProtocolOf(JsonElement page) => page.GetProperty("items").EnumerateArray().Single().GetProperty("protocol").GetString();
}

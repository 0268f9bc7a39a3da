using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Api;

/// <summary>
/// <c>POST /api/v1/users/{user}/publish</c> and <c>/clients/{clientId}/publish</c>: a push goes
/// straight to the sessions of a user or of one client id, subscribed or not, connected or away.
/// </summary>
public sealed class PushTests(ApiServer server) : IClassFixture<ApiServer>, IDisposable
{
    private const string Password = "push-test-password";

    private readonly ApiClient _api = new(server, ApiServer.AdminKey);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task Push_to_a_user_reaches_every_session_of_that_user()
    {
        var alice = await NewUserAsync("alice");
        var bob = await NewUserAsync("bob");
        var tabletId = Unique.ClientId("tablet");
        await (await ConnectAsync(alice, tabletId, persistent: true)).DisposeAsync();
        await _api.WaitUntilAwayAsync(tabletId);
        await using var phone = await ConnectAsync(alice, Unique.ClientId("phone"));
        await using var bobsPhone = await ConnectAsync(bob, Unique.ClientId("bobphone"));
        await bobsPhone.SubscribeAsync("users/#", MqttQualityOfServiceLevel.AtLeastOnce);

        var answer = await _api.PushToUserAsync(alice, new { payload = "you have mail", qos = 1 });

        var inbox = $"users/{alice}/inbox";
        Assert.Equal(inbox, answer.GetProperty("topic").GetString());
        Assert.Equal(2, answer.GetProperty("sessions").GetInt32());
        Assert.Equal(1, answer.GetProperty("delivered").GetInt32());
        Assert.Equal(1, answer.GetProperty("queued").GetInt32());
        Assert.True(answer.GetProperty("inbox_id").GetInt64() > 0);
        Assert.Equal((inbox, "you have mail", 1), Summary(await phone.ReceiveAsync()));
        await using var tablet = await ConnectAsync(alice, tabletId, persistent: true);
        Assert.Equal((inbox, "you have mail", 1), Summary(await tablet.ReceiveAsync()));
        await _api.PushToClientAsync(bobsPhone.ClientId, new { payload = "marker" });
        Assert.Equal("marker", (await bobsPhone.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Push_to_a_user_reaches_a_mosquitto_client_that_subscribed_to_something_else()
    {
        var user = await NewUserAsync("mosq");
        await using var subscriber = await Mosquitto.SubscribeAsync(server.MqttPort, Unique.Topic("unrelated"), count: 1,
            extraArgs: ["-u", user, "-P", Password]);

        var answer = await _api.PushToUserAsync(user, new { payload = "pushed" });

        Assert.Equal(1, answer.GetProperty("delivered").GetInt32());
        Assert.Equal(new Received($"users/{user}/inbox", "pushed", 0, false), await subscriber.ReceiveAsync());
        await subscriber.ExpectSuccessAsync();
    }

    [Fact]
    public async Task Push_to_a_user_goes_to_the_topic_it_names()
    {
        var user = await NewUserAsync("topic");
        var topic = Unique.Topic("alerts");
        await using var phone = await ConnectAsync(user, Unique.ClientId("phone"));

        var answer = await _api.PushToUserAsync(user, new { topic, payload = "fire drill" });

        Assert.Equal(topic, answer.GetProperty("topic").GetString());
        Assert.Equal((topic, "fire drill", 0), Summary(await phone.ReceiveAsync()));
    }

    [Fact]
    public async Task Qos0_push_reaches_only_connected_sessions()
    {
        var user = await NewUserAsync("qos0");
        var awayId = Unique.ClientId("away");
        await (await ConnectAsync(user, awayId, persistent: true)).DisposeAsync();
        await _api.WaitUntilAwayAsync(awayId);

        var answer = await _api.PushToUserAsync(user, new { payload = "now or never", qos = 0 });

        Assert.Equal((1, 0, 0), (answer.GetProperty("sessions").GetInt32(), answer.GetProperty("delivered").GetInt32(), answer.GetProperty("queued").GetInt32()));
        await using var back = await ConnectAsync(user, awayId, persistent: true);
        await _api.PushToClientAsync(awayId, new { payload = "marker" });
        Assert.Equal("marker", (await back.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Push_comes_as_a_matching_subscription_asks_and_only_once()
    {
        var user = await NewUserAsync("subbed");
        await using var phone = await ConnectAsync(user, Unique.ClientId("phone"));
        await phone.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"users/{user}/#", MqttQualityOfServiceLevel.AtMostOnce).WithSubscriptionIdentifier(7).Build());

        await _api.PushToUserAsync(user, new { payload = "first", qos = 1 });
        await _api.PushToUserAsync(user, new { payload = "second", qos = 1 });

        var first = await phone.ReceiveAsync();
        Assert.Equal(("first", 0), (first.Payload, first.QoS));
        Assert.Equal([7u], first.SubscriptionIdentifiers);
        Assert.Equal("second", (await phone.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Push_to_a_user_with_no_session_is_kept_in_the_inbox_only()
    {
        var user = Unique.ClientId("nobody");

        var answer = await _api.PushToUserAsync(user, new { payload = "later" });

        Assert.Equal((0, 0, 0), (answer.GetProperty("sessions").GetInt32(), answer.GetProperty("delivered").GetInt32(), answer.GetProperty("queued").GetInt32()));
        var inbox = await _api.GetAsync($"users/{user}/messages");
        Assert.Equal(answer.GetProperty("inbox_id").GetInt64(), inbox.GetProperty("messages")[0].GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task Push_to_a_client_reaches_that_client_only()
    {
        var user = await NewUserAsync("client");
        await using var phone = await ConnectAsync(user, Unique.ClientId("phone"));
        await using var tablet = await ConnectAsync(user, Unique.ClientId("tablet"));

        var answer = await _api.PushToClientAsync(phone.ClientId, new { payload = "only you", qos = 1 });

        Assert.Equal($"clients/{phone.ClientId}/inbox", answer.GetProperty("topic").GetString());
        Assert.Equal((1, 1, 0), (answer.GetProperty("sessions").GetInt32(), answer.GetProperty("delivered").GetInt32(), answer.GetProperty("queued").GetInt32()));
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("inbox_id").ValueKind);
        Assert.Equal(($"clients/{phone.ClientId}/inbox", "only you", 1), Summary(await phone.ReceiveAsync()));
        await _api.PushToClientAsync(tablet.ClientId, new { payload = "marker" });
        Assert.Equal("marker", (await tablet.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task Push_to_an_away_client_waits_in_its_session()
    {
        var clientId = Unique.ClientId("away");
        await (await Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300))).DisposeAsync();
        await _api.WaitUntilAwayAsync(clientId);

        var answer = await _api.PushToClientAsync(clientId, new { payload = "while you were out", qos = 2 });

        Assert.Equal((0, 1), (answer.GetProperty("delivered").GetInt32(), answer.GetProperty("queued").GetInt32()));
        await using var back = await Mqtt5Client.ConnectAsync(server.MqttPort, clientId, o => o.WithCleanStart(false).WithSessionExpiryInterval(300));
        Assert.Equal(($"clients/{clientId}/inbox", "while you were out", 2), Summary(await back.ReceiveAsync()));
    }

    [Fact]
    public async Task Push_to_an_unknown_client_is_404()
    {
        using var response = await _api.SendAsync(HttpMethod.Post, $"clients/{Unique.ClientId("ghost")}/publish", new { payload = "anyone?" });

        await ApiClient.ProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Push_to_a_user_whose_name_makes_the_default_topic_invalid_is_refused_naming_the_user()
    {
        using var response = await _api.SendAsync(HttpMethod.Post, "users/a+b/publish", new { payload = "x" });

        await ApiClient.AssertNamesFieldAsync(response, "user");
    }

    [Fact]
    public async Task Push_to_a_user_reaches_its_away_device_across_a_restart()
    {
        var dataDir = Directory.CreateTempSubdirectory("herald-api-push-").FullName;
        try
        {
            var user = Unique.ClientId("durable");
            var deviceId = Unique.ClientId("device");
            await using (var first = await ApiServer.StartOnAsync(dataDir))
            {
                using var api = new ApiClient(first, ApiServer.AdminKey);
                await api.CreateUserAsync(user, Password);
                await (await ConnectAsync(first, user, deviceId, persistent: true)).DisposeAsync();
                await api.WaitUntilAwayAsync(deviceId);
                var before = await api.PushToUserAsync(user, new { payload = "before the restart", qos = 1 });
                Assert.Equal(1, before.GetProperty("queued").GetInt32());
            }

            await using var second = await ApiServer.StartOnAsync(dataDir);
            using var again = new ApiClient(second, ApiServer.AdminKey);
            var after = await again.PushToUserAsync(user, new { payload = "after the restart", qos = 1 });
            Assert.Equal((1, 1), (after.GetProperty("sessions").GetInt32(), after.GetProperty("queued").GetInt32()));
            await using var device = await ConnectAsync(second, user, deviceId, persistent: true);
            Assert.Equal("before the restart", (await device.ReceiveAsync()).Payload);
            Assert.Equal("after the restart", (await device.ReceiveAsync()).Payload);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private async Task<string> NewUserAsync(string prefix)
    {
        var user = Unique.ClientId(prefix);
        await _api.CreateUserAsync(user, Password);
        return user;
    }

    private Task<Mqtt5Client> ConnectAsync(string user, string clientId, bool persistent = false) =>
        ConnectAsync(server, user, clientId, persistent);

    private static Task<Mqtt5Client> ConnectAsync(HeraldServer on, string user, string clientId, bool persistent = false) =>
        Mqtt5Client.ConnectAsync(on.MqttPort, clientId, o =>
        {
            o.WithCredentials(user, Password);
            if (persistent)
                o.WithCleanStart(false).WithSessionExpiryInterval(300);
        });

    private static (string Topic, string Payload, int QoS) Summary(Mqtt5Message message) => (message.Topic, message.Payload, message.QoS);
}

using System.Text.Json;
using Herald.Server.Tests.Fixtures;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Server.Tests.Api;

/// <summary>
/// <c>GET /api/v1/users/{user}/messages</c>: the recent pushes to a user, for an app woken by a
/// platform notification; read after an id or a time, a page at a time, bounded, kept across restarts.
/// </summary>
public sealed class InboxTests(ApiServer server) : IClassFixture<ApiServer>, IDisposable
{
    private readonly ApiClient _api = new(server, ApiServer.AdminKey);

    public void Dispose() => _api.Dispose();

    [Fact]
    public async Task Pushes_to_a_user_land_in_its_inbox_oldest_first()
    {
        var user = Unique.ClientId("inbox");
        var ids = await PushAsync(_api, user, "m1", "m2", "m3");

        var inbox = await _api.GetAsync($"users/{user}/messages");

        Assert.Equal(user, inbox.GetProperty("user").GetString());
        Assert.Equal(ids, Ids(inbox));
        Assert.Equal(["m1", "m2", "m3"], Payloads(inbox));
        var first = inbox.GetProperty("messages")[0].GetProperty("message");
        Assert.Equal($"users/{user}/inbox", first.GetProperty("topic").GetString());
        Assert.Equal(1, first.GetProperty("qos").GetInt32());
        Assert.Equal(ids[^1], inbox.GetProperty("next_since").GetInt64());
    }

    [Fact]
    public async Task Inbox_of_a_user_keeps_only_that_users_pushes()
    {
        var user = Unique.ClientId("mine");
        var other = Unique.ClientId("theirs");
        await PushAsync(_api, other, "not yours");
        await PushAsync(_api, user, "yours");

        Assert.Equal(["yours"], Payloads(await _api.GetAsync($"users/{user}/messages")));
    }

    [Fact]
    public async Task Since_an_id_returns_only_later_messages_and_next_since_advances()
    {
        var user = Unique.ClientId("since");
        var ids = await PushAsync(_api, user, "m1", "m2", "m3");

        var after1 = await _api.GetAsync($"users/{user}/messages?since={ids[0]}");
        Assert.Equal(["m2", "m3"], Payloads(after1));
        Assert.Equal(ids[2], after1.GetProperty("next_since").GetInt64());

        var none = await _api.GetAsync($"users/{user}/messages?since={ids[2]}");
        Assert.Empty(Payloads(none));
        Assert.Equal(ids[2], none.GetProperty("next_since").GetInt64());

        var later = await PushAsync(_api, user, "m4");
        var after3 = await _api.GetAsync($"users/{user}/messages?since={none.GetProperty("next_since").GetInt64()}");
        Assert.Equal(["m4"], Payloads(after3));
        Assert.Equal(later[0], after3.GetProperty("next_since").GetInt64());
    }

    [Fact]
    public async Task Limit_pages_through_the_inbox()
    {
        var user = Unique.ClientId("limit");
        await PushAsync(_api, user, "m1", "m2", "m3", "m4", "m5");

        var pages = new List<string[]>();
        long since = 0;
        while (true)
        {
            var page = await _api.GetAsync($"users/{user}/messages?since={since}&limit=2");
            if (Payloads(page).Length == 0)
                break;
            pages.Add(Payloads(page));
            since = page.GetProperty("next_since").GetInt64();
        }

        Assert.Equal([["m1", "m2"], ["m3", "m4"], ["m5"]], pages);
    }

    [Fact]
    public async Task Since_a_time_returns_the_messages_kept_at_or_after_it()
    {
        var start = DateTimeOffset.UtcNow;
        var time = new FakeTimeProvider(start);
        await using var own = await ApiServer.StartWithKeysAsync(time);
        using var api = new ApiClient(own, ApiServer.AdminKey);
        var user = Unique.ClientId("time");
        await PushAsync(api, user, "before");
        time.Advance(TimeSpan.FromMinutes(1));
        await PushAsync(api, user, "after");
        time.Advance(TimeSpan.FromMinutes(1));
        await PushAsync(api, user, "later");

        var since = start.AddSeconds(30).ToString("yyyy-MM-ddTHH:mm:ss.fffZ");
        var inbox = await api.GetAsync($"users/{user}/messages?since={Uri.EscapeDataString(since)}");
        Assert.Equal(["after", "later"], Payloads(inbox));

        var at = inbox.GetProperty("messages")[1].GetProperty("at").GetString()!;
        Assert.Equal(["later"], Payloads(await api.GetAsync($"users/{user}/messages?since={Uri.EscapeDataString(at)}")));
    }

    [Fact]
    public async Task Inbox_keeps_only_the_newest_max_messages()
    {
        await using var own = await ApiServer.StartWithKeysAsync(null, "--Herald:Inbox:MaxMessages=3");
        using var api = new ApiClient(own, ApiServer.AdminKey);
        var user = Unique.ClientId("bound");

        await PushAsync(api, user, "m1", "m2", "m3", "m4", "m5");

        Assert.Equal(["m3", "m4", "m5"], Payloads(await api.GetAsync($"users/{user}/messages")));
    }

    [Fact]
    public async Task Inbox_forgets_messages_older_than_the_retention()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var own = await ApiServer.StartWithKeysAsync(time, "--Herald:Inbox:RetentionSeconds=60");
        using var api = new ApiClient(own, ApiServer.AdminKey);
        var user = Unique.ClientId("retain");
        await PushAsync(api, user, "old");
        time.Advance(TimeSpan.FromSeconds(61));
        await PushAsync(api, user, "new");

        Assert.Equal(["new"], Payloads(await api.GetAsync($"users/{user}/messages")));
    }

    [Fact]
    public async Task Inbox_keeps_binary_and_empty_payloads_and_the_properties()
    {
        var user = Unique.ClientId("binary");
        await _api.PushToUserAsync(user, new
        {
            payload_base64 = "AP+A",
            qos = 2,
            message_expiry_interval = 3600,
            content_type = "application/octet-stream",
            response_topic = "replies/app",
            correlation_data = "req-7",
            user_properties = new Dictionary<string, string> { ["kind"] = "blob" },
        });
        await _api.PushToUserAsync(user, new { payload = "" });

        var messages = (await _api.GetAsync($"users/{user}/messages")).GetProperty("messages");

        var binary = messages[0].GetProperty("message");
        Assert.Equal("AP+A", binary.GetProperty("payload_base64").GetString());
        Assert.Equal(JsonValueKind.Null, binary.GetProperty("payload").ValueKind);
        Assert.Equal(3, binary.GetProperty("size").GetInt32());
        Assert.Equal(2, binary.GetProperty("qos").GetInt32());
        Assert.InRange(binary.GetProperty("message_expiry_interval").GetInt64(), 1, 3600);
        Assert.Equal("application/octet-stream", binary.GetProperty("content_type").GetString());
        Assert.Equal("replies/app", binary.GetProperty("response_topic").GetString());
        Assert.Equal("req-7", binary.GetProperty("correlation_data").GetString());
        Assert.Equal("blob", binary.GetProperty("user_properties").GetProperty("kind").GetString());
        var empty = messages[1].GetProperty("message");
        Assert.Equal("", empty.GetProperty("payload").GetString());
        Assert.Equal(0, empty.GetProperty("size").GetInt32());
    }

    [Theory]
    [InlineData("since=yesterday", "since")]
    [InlineData("since=-1", "since")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=1001", "limit")]
    public async Task Bad_query_is_refused_naming_the_parameter(string query, string field)
    {
        using var response = await _api.SendAsync(HttpMethod.Get, $"users/{Unique.ClientId("bad")}/messages?{query}");

        await ApiClient.AssertNamesFieldAsync(response, field);
    }

    [Fact]
    public async Task Inbox_survives_a_restart_on_the_same_data_directory()
    {
        var dataDir = Directory.CreateTempSubdirectory("herald-api-inbox-").FullName;
        try
        {
            var user = Unique.ClientId("durable");
            long[] ids;
            await using (var first = await ApiServer.StartOnAsync(dataDir))
            {
                using var api = new ApiClient(first, ApiServer.AdminKey);
                ids = await PushAsync(api, user, "m1", "m2");
            }

            await using var second = await ApiServer.StartOnAsync(dataDir);
            using var again = new ApiClient(second, ApiServer.AdminKey);
            var inbox = await again.GetAsync($"users/{user}/messages");
            Assert.Equal(ids, Ids(inbox));
            Assert.Equal(["m1", "m2"], Payloads(inbox));
            var next = await PushAsync(again, user, "m3");
            Assert.True(next[0] > ids[^1], $"id {next[0]} after a restart is not above {ids[^1]}");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Pushes each payload at QoS 1 to the user and returns the inbox ids they got.</summary>
    private static async Task<long[]> PushAsync(ApiClient api, string user, params string[] payloads)
    {
        var ids = new List<long>();
        foreach (var payload in payloads)
            ids.Add((await api.PushToUserAsync(user, new { payload, qos = 1 })).GetProperty("inbox_id").GetInt64());
        return [.. ids];
    }

    private static long[] Ids(JsonElement inbox) => [.. inbox.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("id").GetInt64())];

    private static string[] Payloads(JsonElement inbox) =>
        [.. inbox.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("message").GetProperty("payload").GetString()!)];
}

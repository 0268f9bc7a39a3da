using System.Net;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.Monitoring;

/// <summary>
/// <c>/healthz</c>, liveness: the process answers. <c>/readyz</c>, readiness: whether the node
/// should get clients, 503 when the store of users, rules and bans does not answer.
/// </summary>
public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Healthz_and_readyz_answer_200_while_serving()
    {
        await using var server = await HeraldServer.StartAsync();
        using var http = new HttpClient { Timeout = Wait.Bound };

        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, server, "healthz"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, server, "readyz"));
    }

    [Fact]
    public async Task Readyz_answers_503_once_the_server_stops_taking_clients_while_healthz_stays_200()
    {
        await using var server = await HeraldServer.StartAsync();
        using var http = new HttpClient { Timeout = Wait.Bound };

        server.Broker.Stop();

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "Unhealthy"), await GetAsync(http, server, "readyz"));
        Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, server, "healthz"));
    }

    [Fact]
    public async Task Readyz_answers_503_when_the_redis_auth_store_is_down_while_healthz_stays_200()
    {
        var redis = new RedisServer();
        await redis.InitializeAsync();
        var redisRunning = true;
        try
        {
            await using var server = await HeraldServer.StartAsync(null, null, "--Herald:Auth:Provider=Redis", $"--Herald:Redis:Configuration={redis.Configuration}");
            // A request may wait out the Redis client's timeout before it answers.
            using var http = new HttpClient { Timeout = Wait.ProcessBound };
            Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, server, "readyz"));

            // The fixture stops redis-server by killing it, once: it cannot be disposed twice.
            redisRunning = false;
            await redis.DisposeAsync();

            await Poll.UntilAsync(() => GetAsync(http, server, "readyz"), r => r.Status == HttpStatusCode.ServiceUnavailable, "/readyz with Redis down", Wait.ProcessBound);
            Assert.Equal((HttpStatusCode.OK, "Healthy"), await GetAsync(http, server, "healthz"));
        }
        finally
        {
            if (redisRunning)
                await redis.DisposeAsync();
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> GetAsync(HttpClient http, HeraldServer server, string path)
    {
        using var response = await http.GetAsync($"http://127.0.0.1:{server.HttpPort}/{path}");
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}

using System.Net;
using System.Text.Json;
using Herald.Server.Tests.Durability;
using Herald.Server.Tests.Fixtures;

namespace Herald.Server.Tests.ClusterFailover;

/// <summary>
/// Real HTTP requests to one node's API and health endpoints: who is connected there
/// (<c>/api/v1/clients</c>), whether a session is there with its client away
/// (<c>/api/v1/sessions/{id}</c>), and <c>/readyz</c>. Nodes take <see cref="Key"/> when started
/// with <see cref="KeyArgument"/>.
/// </summary>
public static class NodeApi
{
    public const string Key = "cluster-failover-tests-key";

    public const string KeyArgument = $"--Herald:Http:ApiKey={Key}";

    private static readonly HttpClient Http = new() { Timeout = Wait.Bound };

    /// <summary>How many connections the node lists for exactly <paramref name="clientId"/> (0 or 1 on a sound node).</summary>
    public static async Task<int> ConnectionsAsync(HeraldProcess node, string clientId)
    {
        using var response = await SendAsync(node, $"api/v1/clients?search={Uri.EscapeDataString(clientId)}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET clients on port {node.HttpPort}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("items").EnumerateArray()
            .Count(item => item.GetProperty("client_id").GetString() == clientId);
    }

    /// <summary>The connections every node lists for <paramref name="clientId"/>, node by node: [0, 1, 0] when it is on node-1 alone.</summary>
    public static async Task<int[]> ConnectionsAsync(IEnumerable<HeraldProcess> nodes, string clientId)
    {
        var counts = new List<int>();
        foreach (var node in nodes)
            counts.Add(node.IsRunning ? await ConnectionsAsync(node, clientId) : 0);
        return [.. counts];
    }

    /// <summary>Waits until the node holds the session of <paramref name="clientId"/> with no client attached: a DISCONNECT returns before the server handled it.</summary>
    public static Task WaitUntilAwayAsync(HeraldProcess node, string clientId) => Poll.UntilAsync(
        async () =>
        {
            using var response = await SendAsync(node, $"api/v1/sessions/{Uri.EscapeDataString(clientId)}");
            return response.StatusCode == HttpStatusCode.OK
                && !JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("connected").GetBoolean();
        },
        away => away,
        $"the session of {clientId} on the node on port {node.MqttPort}, its client away");

    /// <summary>The status of <c>/readyz</c>: 200 ready, 503 not.</summary>
    public static async Task<HttpStatusCode> ReadinessAsync(HeraldProcess node)
    {
        using var response = await SendAsync(node, "readyz");
        return response.StatusCode;
    }

    private static async Task<HttpResponseMessage> SendAsync(HeraldProcess node, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{node.HttpPort}/{path}");
        request.Headers.Add("X-Api-Key", Key);
        return await Http.SendAsync(request);
    }
}

using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;

namespace Herald.Server.Tests.Cluster;

/// <summary>
/// MQTTnet clients that make other nodes' routes known to a publishing node before a test's own
/// subscribers subscribe. A node learns another's new route from an announcement through Redis
/// that SUBACK does not wait for (see
/// <see cref="CrossNodeRoutingTests.Message_published_on_another_node_right_after_suback_reaches_the_new_subscriber"/>),
/// so a test about something else first lets a holder subscribe to each filter on its node and
/// waits, with probes published on the publishing node, until the holder gets them. A subscriber
/// that then subscribes to the same filter on the same node adds no route: the node has it. The
/// holders are released once the test's subscribers are in place, which leaves the routes to them.
/// </summary>
public sealed class RouteHolders : IAsyncDisposable
{
    private readonly List<MqttNetClient> _clients = [];
    private readonly List<string> _filters = [];

    private RouteHolders()
    {
    }

    /// <summary>
    /// Subscribes a holder to each filter on its node, and returns once the node on
    /// <paramref name="publishingPort"/> routes a probe on each route's probe topic (which matches
    /// its filter) to its holder, and every probe has arrived: a last message to each holder, on a
    /// topic of its own, came after them.
    /// </summary>
    public static async Task<RouteHolders> HoldAsync(int publishingPort, params (int Port, string Filter, string ProbeTopic)[] routes)
    {
        var holders = new RouteHolders();
        try
        {
            var flushTopics = new string[routes.Length];
            for (var i = 0; i < routes.Length; i++)
            {
                var holder = await MqttNetClient.ConnectAsync(routes[i].Port, Unique.ClientId("holder"));
                holders._clients.Add(holder);
                holders._filters.Add(routes[i].Filter);
                flushTopics[i] = Unique.Topic("flush");
                await holder.SubscribeAsync(routes[i].Filter, MqttQualityOfServiceLevel.AtLeastOnce);
                await holder.SubscribeAsync(flushTopics[i], MqttQualityOfServiceLevel.AtLeastOnce);
            }
            await using var prober = await MqttNetClient.ConnectAsync(publishingPort, Unique.ClientId("prober"));
            await UntilEachReceivedAsync(prober, holders._clients, [.. routes.Select(r => r.ProbeTopic)], "holders that received a probe");
            // No probe is published from here on. Messages from one publisher to one node arrive in
            // order, so once its flush message reached a holder, every probe to its node had arrived.
            await UntilEachReceivedAsync(prober, holders._clients, flushTopics, "holders that received their flush message");
        }
        catch
        {
            await holders.DisposeAsync();
            throw;
        }
        return holders;
    }

    /// <summary>
    /// Unsubscribes every holder from its filter (UNSUBACK comes once it is out of its node's
    /// subscriptions, so a shared group's next message goes to the test's member), then disconnects them.
    /// </summary>
    public async Task ReleaseAsync()
    {
        for (var i = 0; i < _clients.Count; i++)
        {
            using var cts = new CancellationTokenSource(Wait.Bound);
            await _clients[i].Client.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(_filters[i]).Build(), cts.Token);
        }
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
            await client.DisposeAsync();
        _clients.Clear();
        _filters.Clear();
    }

    /// <summary>Publishes on each holder's topic until each holder received a message on it; takes whatever else came meanwhile.</summary>
    private static async Task UntilEachReceivedAsync(MqttNetClient prober, List<MqttNetClient> holders, string[] topics, string what)
    {
        var received = new bool[holders.Count];
        await Poll.UntilAsync(
            async () =>
            {
                for (var i = 0; i < holders.Count; i++)
                {
                    while (!received[i] && holders[i].PendingCount > 0)
                        received[i] = (await holders[i].ReceiveAsync()).Topic == topics[i];
                    if (!received[i])
                        await prober.PublishAsync(topics[i], "probe", MqttQualityOfServiceLevel.AtLeastOnce);
                }
                return received.Count(r => r);
            },
            count => count == holders.Count,
            what);
    }
}

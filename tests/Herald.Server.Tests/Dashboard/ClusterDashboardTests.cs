using Herald.Server.Tests.Admin;
using Herald.Server.Tests.Fixtures;
using static Microsoft.Playwright.Assertions;

namespace Herald.Server.Tests.Dashboard;

/// <summary>The dashboard's Cluster card, in headless Chromium: every node with its numbers, and the totals.</summary>
public sealed class ClusterDashboardTests(RedisServer redis, HeadlessChromium chromium) : IClassFixture<RedisServer>, IClassFixture<HeadlessChromium>
{
    [Fact]
    public async Task Cluster_card_lists_every_node_with_its_clients_and_the_totals()
    {
        await using var nodeA = await HeraldServer.StartAsync(null, null, Node("dash-a"));
        await using var nodeB = await HeraldServer.StartAsync(null, null, Node("dash-b"));
        await using var onA = await MqttNetClient.ConnectAsync(nodeA.MqttPort, Unique.ClientId("dasha"));
        await using var onB1 = await MqttNetClient.ConnectAsync(nodeB.MqttPort, Unique.ClientId("dashb1"));
        await using var onB2 = await MqttNetClient.ConnectAsync(nodeB.MqttPort, Unique.ClientId("dashb2"));
        // Nodes tell each other their numbers once a second: the page is opened once node A has node B's.
        using var api = new ApiClient(nodeA, AdminServer.Key);
        await Poll.UntilAsync(
            async () => (await api.GetAsync("cluster")).GetProperty("total"),
            total => total.GetProperty("nodes").GetInt32() == 2 && total.GetProperty("connections").GetInt64() == 3,
            "node A's view of the cluster with node B's clients",
            Wait.ProcessBound);
        await using var dashboard = await DashboardPage.OpenAsync(chromium, nodeA);

        await dashboard.SignInAsync(AdminServer.Key);

        var rows = dashboard.Page.GetByTestId("cluster-node-row");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(dashboard.Page.Locator("[data-testid=cluster-node-row][data-node=dash-a]")).ToContainTextAsync("dash-a (this node)");
        await Expect(dashboard.Page.Locator("[data-testid=cluster-node-row][data-node=dash-b] td").Nth(1)).ToHaveTextAsync("2");
        await Expect(dashboard.Page.GetByTestId("cluster-node-count")).ToHaveAttributeAsync("data-value", "2");
        await Expect(dashboard.Page.GetByTestId("cluster-connections")).ToHaveAttributeAsync("data-value", "3");
        await Expect(dashboard.Page.GetByTestId("cluster-summary")).ToHaveTextAsync("This is node dash-a.");
        await Expect(dashboard.Stat("connections")).ToHaveAttributeAsync("data-value", "1"); // the tiles stay this node's own
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Single_node_shows_itself_as_a_cluster_of_one()
    {
        await using var single = await HeraldServer.StartAsync(null, null, $"--Herald:Http:ApiKey={AdminServer.Key}");
        await using var dashboard = await DashboardPage.OpenAsync(chromium, single);

        await dashboard.SignInAsync(AdminServer.Key);

        await Expect(dashboard.Page.GetByTestId("cluster-node-row")).ToHaveCountAsync(1);
        await Expect(dashboard.Page.GetByTestId("cluster-summary")).ToContainTextAsync("A single node");
        Assert.Empty(dashboard.ScriptErrors);
    }

    private string[] Node(string id) => [$"--Herald:Http:ApiKey={AdminServer.Key}", $"--Herald:Cluster:Redis={redis.Configuration}", $"--Herald:Cluster:NodeId={id}"];
}

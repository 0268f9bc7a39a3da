using System.Net;
using System.Net.Http.Json;
using Herald.Broker.Diagnostics;
using Herald.Server.Tests.Admin;
using Herald.Server.Tests.Fixtures;
using MQTTnet;
using MQTTnet.Protocol;
using static Microsoft.Playwright.Assertions;

namespace Herald.Server.Tests.Dashboard;

/// <summary>The operator's dashboard at <c>/</c>, driven in headless Chromium against a real server.</summary>
public sealed class DashboardTests(AdminServer server, HeadlessChromium chromium) : IClassFixture<AdminServer>, IClassFixture<HeadlessChromium>
{
    [Fact]
    public async Task Dashboard_asks_for_a_key_and_refuses_a_wrong_one()
    {
        await using var dashboard = await DashboardPage.OpenAsync(chromium, server);
        await Expect(dashboard.SignInForm).ToBeVisibleAsync();
        await Expect(dashboard.Dashboard).ToBeHiddenAsync();

        await dashboard.SubmitKeyAsync("wrong-key");

        await Expect(dashboard.SignInError).ToBeVisibleAsync();
        await Expect(dashboard.SignInError).ToContainTextAsync("401");
        await Expect(dashboard.SignInForm).ToBeVisibleAsync();
        await Expect(dashboard.Dashboard).ToBeHiddenAsync();
        Assert.Null(await dashboard.Stat("connections").GetAttributeAsync("data-value"));
        Assert.Null(await dashboard.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('herald.apiKey')"));
    }

    [Fact]
    public async Task Signed_in_dashboard_shows_the_servers_numbers()
    {
        // A server of its own, so no other test's client is counted.
        await using var own = await HeraldServer.StartAsync(null, null, $"--Herald:Http:ApiKey={AdminServer.Key}");
        await using var first = await MqttNetClient.ConnectAsync(own.MqttPort, Unique.ClientId("dash1"));
        await using var second = await MqttNetClient.ConnectAsync(own.MqttPort, Unique.ClientId("dash2"));
        await using var third = await Mqtt5Client.ConnectAsync(own.MqttPort, Unique.ClientId("dash3"));
        await using var dashboard = await DashboardPage.OpenAsync(chromium, own);

        await dashboard.SignInAsync(AdminServer.Key);

        await Expect(dashboard.Stat("connections")).ToHaveAttributeAsync("data-value", "3");
        await Expect(dashboard.Stat("connections")).ToHaveTextAsync("3");
        await Expect(dashboard.Stat("version")).ToHaveTextAsync(SysTopics.ServerVersion);
        await Expect(dashboard.ClientRows).ToHaveCountAsync(3);
        await Expect(dashboard.ClientRow(third.ClientId)).ToContainTextAsync("5.0");
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Read_only_key_sees_the_clients_but_is_not_offered_kick_or_delete()
    {
        const string readKey = "dashboard-read-only-key";
        await using var own = await HeraldServer.StartAsync(null, null,
            $"--Herald:Http:ApiKeys:0:Key={readKey}", "--Herald:Http:ApiKeys:0:Scopes:0=read");
        await using var client = await MqttNetClient.ConnectAsync(own.MqttPort, Unique.ClientId("dashro"));
        await using var dashboard = await DashboardPage.OpenAsync(chromium, own);

        await dashboard.SignInAsync(readKey);

        await Expect(dashboard.ClientRow(client.ClientId)).ToBeVisibleAsync();
        await Expect(dashboard.ClientRow(client.ClientId).GetByTestId("kick")).ToBeHiddenAsync();
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Dashboard_numbers_change_when_a_test_publishes()
    {
        const int Published = 5;
        var topic = Unique.Topic("dashboard");
        await using var publisher = await MqttNetClient.ConnectAsync(server.MqttPort, Unique.ClientId("dashpub"));
        await using var dashboard = await DashboardPage.OpenAsync(chromium, server);
        await dashboard.SignInAsync(AdminServer.Key);
        var before = await dashboard.StatValueAsync("messages-received");

        for (var i = 0; i < Published; i++)
            await publisher.PublishAsync(topic, $"reading {i}", MqttQualityOfServiceLevel.AtLeastOnce);

        await Expect(dashboard.Stat("messages-received")).ToHaveAttributeAsync("data-value", (before + Published).ToString());
        await Expect(dashboard.HotTopicRow(topic)).ToBeVisibleAsync();
        await Expect(dashboard.HotTopicRow(topic).Locator("td").Nth(1)).ToHaveTextAsync(Published.ToString());
        Assert.Empty(dashboard.ScriptErrors);
    }

    [Fact]
    public async Task Kicking_a_client_from_the_dashboard_disconnects_it()
    {
        await using var client = await Mqtt5Client.ConnectAsync(server.MqttPort, Unique.ClientId("kickme"));
        await using var dashboard = await DashboardPage.OpenAsync(chromium, server);
        await dashboard.SignInAsync(AdminServer.Key);

        await dashboard.SearchClientsAsync(client.ClientId);
        await Expect(dashboard.ClientRows).ToHaveCountAsync(1);
        await dashboard.ClientRow(client.ClientId).GetByTestId("kick").ClickAsync();

        var disconnected = await client.Disconnected.WaitAsync(Wait.Bound);
        Assert.Equal(MqttClientDisconnectReason.AdministrativeAction, disconnected.Reason);
        await Expect(dashboard.ClientRow(client.ClientId)).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Retained_message_deleted_from_the_dashboard_is_gone()
    {
        var topic = Unique.Topic("dashboard");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.HttpPort}/api/v1/"), Timeout = Wait.Bound };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminServer.Key);
        using (var published = await http.PostAsJsonAsync("publish", new { topic, payload = "<b>21.5</b> °C", qos = 1, retain = true }))
            published.EnsureSuccessStatusCode();
        await using var dashboard = await DashboardPage.OpenAsync(chromium, server);
        await dashboard.SignInAsync(AdminServer.Key);

        await dashboard.FilterRetainedAsync(topic);
        var row = dashboard.RetainedRow(topic);
        await Expect(row).ToContainTextAsync("<b>21.5</b> °C"); // shown as text, not as markup
        await row.GetByTestId("delete-retained").ClickAsync();

        await Expect(row).ToHaveCountAsync(0);
        using var lookup = await http.GetAsync($"retained/message?topic={Uri.EscapeDataString(topic)}");
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }
}

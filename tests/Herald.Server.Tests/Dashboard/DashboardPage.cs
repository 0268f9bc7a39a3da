using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Herald.Server.Tests.Fixtures;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Herald.Server.Tests.Dashboard;

/// <summary>
/// The dashboard of one server open in its own browser context, read and clicked through the
/// page's data-testid attributes. Disposing closes the context.
/// </summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly IPage _page;
    private readonly ConcurrentQueue<string> _scriptErrors = new();

    private DashboardPage(IPage page)
    {
        _page = page;
        page.PageError += (_, error) => _scriptErrors.Enqueue(error);
    }

    public IPage Page => _page;

    /// <summary>Exceptions the page's scripts threw and did not catch.</summary>
    public IReadOnlyCollection<string> ScriptErrors => _scriptErrors;

    public ILocator SignInForm => _page.GetByTestId("sign-in");

    public ILocator SignInError => _page.GetByTestId("sign-in-error");

    public ILocator Dashboard => _page.GetByTestId("dashboard");

    public ILocator ClientRows => _page.GetByTestId("client-row");

    /// <summary>Opens the server's root page, where the dashboard asks for a key.</summary>
    public static async Task<DashboardPage> OpenAsync(HeadlessChromium chromium, HeraldServer server)
    {
        var page = await chromium.NewPageAsync($"http://127.0.0.1:{server.HttpPort}");
        var dashboard = new DashboardPage(page);
        await page.GotoAsync("/");
        return dashboard;
    }

    /// <summary>Submits <paramref name="key"/> on the sign-in form.</summary>
    public async Task SubmitKeyAsync(string key)
    {
        await _page.GetByTestId("api-key").FillAsync(key);
        await _page.GetByTestId("sign-in-submit").ClickAsync();
    }

    /// <summary>Signs in with a key the server accepts and waits for the first numbers.</summary>
    public async Task SignInAsync(string key)
    {
        await SubmitKeyAsync(key);
        await Expect(Dashboard).ToBeVisibleAsync();
        await Expect(Stat("connections")).ToHaveAttributeAsync("data-value", new Regex(@"^\d+$"));
    }

    /// <summary>A tile's number, <c>stat-NAME</c>; its exact value is in <c>data-value</c>.</summary>
    public ILocator Stat(string name) => _page.GetByTestId($"stat-{name}");

    public async Task<long> StatValueAsync(string name) =>
        long.Parse(await Stat(name).GetAttributeAsync("data-value") ?? throw new InvalidOperationException($"stat-{name} has no value yet."));

    public ILocator ClientRow(string clientId) => _page.Locator($"[data-testid=client-row][data-client-id=\"{clientId}\"]");

    public ILocator HotTopicRow(string topic) => _page.Locator($"[data-testid=hot-topic-row][data-topic=\"{topic}\"]");

    public ILocator RetainedRow(string topic) => _page.Locator($"[data-testid=retained-row][data-topic=\"{topic}\"]");

    public Task SearchClientsAsync(string text) => _page.GetByTestId("clients-search").FillAsync(text);

    public Task FilterRetainedAsync(string filter) => _page.GetByTestId("retained-filter").FillAsync(filter);

    public async ValueTask DisposeAsync() => await _page.Context.CloseAsync();
}

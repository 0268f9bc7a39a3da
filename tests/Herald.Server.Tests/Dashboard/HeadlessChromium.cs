using Herald.Server.Tests.Fixtures;
using Microsoft.Playwright;

namespace Herald.Server.Tests.Dashboard;

/// <summary>
/// Debian's Chromium, headless, driven through Playwright: one browser per test class, a fresh
/// context (own sessionStorage) per test. Playwright's own browser builds come from
/// <c>playwright install</c>, a download the closed network refuses, so this launches
/// /usr/bin/chromium, which test.sh installs.
/// </summary>
public sealed class HeadlessChromium : IAsyncLifetime
{
    private const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async Task InitializeAsync()
    {
        // Expect's default of 5 s is tight for a page that polls every 1 to 5 s; a healthy run
        // finishes far inside Wait.Bound, and a broken one fails instead of hanging.
        Assertions.SetDefaultExpectTimeout((float)Wait.Bound.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Timeout = (float)Wait.ProcessBound.TotalMilliseconds,
            // Without these Chromium waits on services it cannot reach (updates, sync, GPU
            // probing), and as root it refuses to start sandboxed.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>A new page at 1280x800 in a context of its own, with relative URLs resolved against <paramref name="baseUrl"/>.</summary>
    public async Task<IPage> NewPageAsync(string baseUrl)
    {
        var browser = _browser ?? throw new InvalidOperationException("The browser is not started.");
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
        });
        context.SetDefaultTimeout((float)Wait.Bound.TotalMilliseconds);
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
            await _browser.CloseAsync();
        _playwright?.Dispose();
    }
}

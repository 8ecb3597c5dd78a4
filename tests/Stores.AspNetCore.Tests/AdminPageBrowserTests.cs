using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using SessionDemo;
using SessionStores.Conformance;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>
/// The sample's admin page in a real browser: Debian's chromium driven through chromedriver (apt packages
/// <c>chromium</c> and <c>chromium-driver</c>; nothing is downloaded). The sample runs on its default File store, and
/// with <c>--store cookie</c>, where sessions live in the browsers and the page offers only "sign out everywhere".
/// Other browsers: <c>SESSIONSTORES_CHROMIUM</c> and <c>SESSIONSTORES_CHROMEDRIVER</c> name the two executables; a
/// machine with Google Chrome and <c>CHROMEWEBDRIVER</c> (GitHub's Ubuntu runners) is found as well.
/// </summary>
public sealed class AdminPageBrowserTests
{
    private static readonly string? Chromium = Find(
        "SESSIONSTORES_CHROMIUM", "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");

    private static readonly string? ChromeDriver = Find(
        "SESSIONSTORES_CHROMEDRIVER",
        "/usr/bin/chromedriver",
        Environment.GetEnvironmentVariable("CHROMEWEBDRIVER") is { Length: > 0 } dir ? Path.Combine(dir, "chromedriver") : null);

    [Fact]
    public async Task Admin_lists_live_sessions_signs_a_user_out_everywhere_and_destroys_one_session()
    {
        RequireBrowser();
        var ct = TestContext.Current.CancellationToken;
        var directory = Path.Combine(Path.GetTempPath(), "sessionstores-aspnet-browser", Guid.NewGuid().ToString("N"));
        await using var app = DemoApp.Build(["--store", "file", "--connection", directory, "--urls", "http://127.0.0.1:0"]);
        await app.StartAsync(ct);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        // Given: alice on two devices, bob on one, each logged in over plain HTTP.
        using var aliceLaptop = await LoggedInClientAsync(address, "alice");
        using var alicePhone = await LoggedInClientAsync(address, "alice");
        using var bob = await LoggedInClientAsync(address, "bob");

        using var browser = StartBrowser();
        await LogInAsAdminAsync(browser, address);

        // When the admin opens the page, every live session is listed with its subject.
        browser.Navigate().GoToUrl(new Uri(address, "/admin"));
        Assert.Equal("4", browser.FindElement(By.Id("count")).Text);
        Assert.Equal(["admin", "alice", "alice", "bob"], Subjects(browser));

        // And signs alice out everywhere, which asks first: both of her sessions go, nobody else's, and the page says so.
        await ClickAndWaitForNextPageAsync(browser, By.CssSelector("tr[data-subject='alice'] button.sign-out"));
        Assert.Equal("Sign alice out everywhere? This destroys the 2 live session(s) of alice.", browser.FindElement(By.Id("question")).Text);
        await ClickAndWaitForNextPageAsync(browser, By.Id("confirm"));
        Assert.Equal("Signed alice out everywhere: destroyed 2 session(s).", browser.FindElement(By.Id("notice")).Text);
        Assert.Equal("2", browser.FindElement(By.Id("count")).Text);
        Assert.Equal(["admin", "bob"], Subjects(browser));
        Assert.Equal("(empty session)\n", await aliceLaptop.GetStringAsync("/get-session", ct));
        Assert.Equal("(empty session)\n", await alicePhone.GetStringAsync("/get-session", ct));

        // And destroys bob's one session, after confirming it.
        var bobsTag = browser.FindElement(By.CssSelector("tr[data-subject='bob'] code")).Text;
        await ClickAndWaitForNextPageAsync(browser, By.CssSelector("tr[data-subject='bob'] button.destroy"));
        Assert.StartsWith($"Destroy session {bobsTag}?", browser.FindElement(By.Id("question")).Text, StringComparison.Ordinal);
        await ClickAndWaitForNextPageAsync(browser, By.Id("confirm"));
        Assert.Equal($"Destroyed session {bobsTag}.", browser.FindElement(By.Id("notice")).Text);
        Assert.Equal(["admin"], Subjects(browser));
        Assert.Equal("(empty session)\n", await bob.GetStringAsync("/get-session", ct));
        Assert.Contains("(you)", browser.FindElement(By.CssSelector("tr[data-subject='admin']")).Text, StringComparison.Ordinal);

        var screenshot = Path.Combine(AppContext.BaseDirectory, "admin-page.png");
        ((ITakesScreenshot)browser).GetScreenshot().SaveAsFile(screenshot);
        TestContext.Current.AddAttachment("admin-page", screenshot);
        await app.StopAsync(ct);
    }

    [Fact]
    public async Task With_cookie_sessions_the_admin_page_says_it_cannot_list_them_and_signs_a_user_out_everywhere()
    {
        RequireBrowser();
        var ct = TestContext.Current.CancellationToken;
        await using var app = DemoApp.Build(["--store", "cookie", "--urls", "http://127.0.0.1:0"]);
        await app.StartAsync(ct);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        // Given: alice on two devices and bob on one, their sessions only in their cookies.
        using var aliceLaptop = await LoggedInClientAsync(address, "alice");
        using var alicePhone = await LoggedInClientAsync(address, "alice");
        using var bob = await LoggedInClientAsync(address, "bob");
        Assert.Contains("user=alice", await aliceLaptop.GetStringAsync("/get-session", ct), StringComparison.Ordinal);

        using var browser = StartBrowser();
        await LogInAsAdminAsync(browser, address);

        // When the admin opens the page, it says what cookie sessions cannot do instead of failing, and offers the revocation.
        browser.Navigate().GoToUrl(new Uri(address, "/admin"));
        Assert.Contains("cannot list them", browser.FindElement(By.Id("no-listing")).Text, StringComparison.Ordinal);
        Assert.Empty(browser.FindElements(By.Id("sessions")));

        // And signs alice out everywhere, after confirming: her sessions on both devices end, bob's and the admin's stay.
        browser.FindElement(By.Id("subject")).SendKeys("alice");
        await ClickAndWaitForNextPageAsync(browser, By.CssSelector("button.sign-out"));
        Assert.Equal("Sign alice out everywhere? Every cookie session of alice ends at its next request.", browser.FindElement(By.Id("question")).Text);
        await ClickAndWaitForNextPageAsync(browser, By.Id("confirm"));
        Assert.Equal("Signed alice out everywhere: their cookie sessions end at their next request.", browser.FindElement(By.Id("notice")).Text);
        Assert.Equal("(empty session)\n", await aliceLaptop.GetStringAsync("/get-session", ct));
        Assert.Equal("(empty session)\n", await alicePhone.GetStringAsync("/get-session", ct));
        Assert.Contains("user=bob", await bob.GetStringAsync("/get-session", ct), StringComparison.Ordinal);
        browser.Navigate().GoToUrl(new Uri(address, "/admin"));
        Assert.NotEmpty(browser.FindElements(By.Id("no-listing")));

        await app.StopAsync(ct);
    }

    private static async Task LogInAsAdminAsync(IWebDriver browser, Uri address)
    {
        browser.Navigate().GoToUrl(new Uri(address, "/login"));
        browser.FindElement(By.Name("username")).SendKeys("admin");
        browser.FindElement(By.Name("password")).SendKeys("demo");
        await ClickAndWaitForNextPageAsync(browser, By.CssSelector("button[type=submit]"));
        Assert.Equal("admin", browser.FindElement(By.Id("user")).Text);
    }

    /// <summary>
    /// Clicks a form button and waits until a new document has fully loaded: the form posts and redirects, and an
    /// element looked up before the new page has replaced the old one would belong to the old page (stale, or showing
    /// old text). The old document is marked with a script variable; the new one does not have it. While the browser
    /// swaps documents a probe may fail in several ways (stale node, node not in the document, no execution context),
    /// so any driver error during the wait means "not yet" and the wait goes on until its deadline.
    /// </summary>
    private static Task ClickAndWaitForNextPageAsync(IWebDriver browser, By button)
    {
        var scripts = (IJavaScriptExecutor)browser;
        scripts.ExecuteScript("window.__sessionStoresOldPage = true;");
        browser.FindElement(button).Click();
        WebDriverException? lastError = null;
        return Poll.UntilAsync(
            () =>
            {
                try
                {
                    return Task.FromResult(scripts.ExecuteScript(
                        "return window.__sessionStoresOldPage !== true && document.readyState === 'complete';") is true);
                }
                catch (WebDriverException e)
                {
                    // The document is being replaced; probe again.
                    lastError = e;
                    return Task.FromResult(false);
                }
            },
            () => $"the page did not change after the click (last probe error: {lastError?.Message ?? "none"})",
            30_000);
    }

    private static List<string> Subjects(IWebDriver browser) =>
        browser.FindElements(By.CssSelector("#sessions tbody tr")).Select(r => r.GetAttribute("data-subject") ?? "").Order(StringComparer.Ordinal).ToList();

    private static async Task<HttpClient> LoggedInClientAsync(Uri address, string user)
    {
        var client = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false }) { BaseAddress = address };
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["username"] = user, ["password"] = "demo" }), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>The environment variable's path when set (it must exist), else the first candidate that exists.</summary>
    private static string? Find(string variable, params string?[] candidates)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured)
        {
            return System.IO.File.Exists(configured) ? configured : throw new InvalidOperationException($"{variable} names '{configured}', which does not exist.");
        }

        return candidates.FirstOrDefault(c => c is not null && System.IO.File.Exists(c));
    }

    private static ChromeDriver StartBrowser()
    {
        var options = new ChromeOptions { BinaryLocation = Chromium! };

        // Headless, as root, on a machine without outside network: no sandbox, no background traffic.
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,900",
            "--user-data-dir=" + Path.Combine(Path.GetTempPath(), "sessionstores-chromium-" + Guid.NewGuid().ToString("N")));
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriver!)!, Path.GetFileName(ChromeDriver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        driver.Manage().Timeouts().ImplicitWait = TimeSpan.FromSeconds(5);
        return driver;
    }

    private static void RequireBrowser()
    {
        if (Chromium is not null && ChromeDriver is not null)
        {
            return;
        }

        var reason = "No browser for the admin page test: Debian's chromium and chromium-driver are not installed "
            + "(/usr/bin/chromium, /usr/bin/chromedriver; eng/test.sh installs them), and neither SESSIONSTORES_CHROMIUM / "
            + "SESSIONSTORES_CHROMEDRIVER nor Google Chrome with CHROMEWEBDRIVER is there.";
        if (TestBackends.IsRequired("chromium"))
        {
            Assert.Fail(reason);
        }

        Assert.Skip(reason);
    }
}

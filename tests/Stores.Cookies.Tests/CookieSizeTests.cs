using System;
using System.Linq;
using System.Net;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Cookies.Tests;

/// <summary>Large sessions: chunked over several cookies within the per-cookie limit, and refused past the total limit
/// with a clear exception and nothing half-written.</summary>
public sealed class CookieSizeTests
{
    [Fact]
    public async Task A_large_session_is_split_into_chunks_below_the_chunk_size_and_read_back_whole()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        await browser.GetAsync("/big?size=7000");

        // name=chunks-N, then nameC1..nameCN, each Set-Cookie line (name, value and attributes) within 4096.
        Assert.StartsWith("chunks-", browser.Jar[CookieSite.DataCookie], StringComparison.Ordinal);
        var chunks = int.Parse(browser.Jar[CookieSite.DataCookie]["chunks-".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(chunks >= 3, $"{chunks} chunks");
        Assert.All(browser.LastSetCookieLines, line => Assert.True(line.Length <= CookieSessionOptions.DefaultChunkSize, $"{line.Length} characters"));
        Assert.Equal(chunks + 1, browser.SessionCookies().Count);
        Assert.Equal("7000", await browser.GetAsync("/big-size"));

        // Shrinking deletes the chunks the browser no longer needs.
        await browser.GetAsync("/big?size=10");
        Assert.Equal([CookieSite.DataCookie], browser.SessionCookies().Keys);
        Assert.Equal("10", await browser.GetAsync("/big-size"));
    }

    [Fact]
    public async Task A_chunked_cookie_with_a_chunk_missing_starts_a_new_empty_session_logged_at_information()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        await browser.GetAsync("/big?size=7000");
        Assert.True(browser.Jar.Remove(CookieSite.DataCookie + "C2"));

        Assert.Equal("(none)", await browser.GetAsync("/big-size"));
        Assert.True(site.Logs.Has(1800, Microsoft.Extensions.Logging.LogLevel.Information));
        Assert.True(browser.LastDeleted(CookieSite.DataCookie));
    }

    [Fact]
    public async Task A_session_past_the_size_limit_fails_with_a_problem_and_leaves_the_cookie_as_it_was()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        await browser.GetAsync("/set?key=a&value=1");
        var before = browser.SessionCookies();

        using var response = await browser.SendAsync("/big?size=20000");
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"status\":500", body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"set\"", body, StringComparison.Ordinal);
        Assert.Empty(browser.LastSetCookieLines);
        Assert.Equal(before, browser.SessionCookies());
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));
        Assert.Contains(site.Logs.Entries, e => e.Id.Id == 1803 && e.Message.Contains("failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_application_committing_itself_gets_an_exception_that_names_the_limit()
    {
        await using var site = await CookieSite.StartAsync(o => o.MaxCookieSize = 4000);
        using var browser = site.NewBrowser();
        var message = await browser.GetAsync("/big-commit?size=5000");
        Assert.Contains("CookieSessionOptions.MaxCookieSize (4000)", message, StringComparison.Ordinal);
        Assert.Empty(browser.LastSetCookieLines);
    }
}

using System;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.Cookies.Tests;

/// <summary>The session lives in the cookie: round trip, no Set-Cookie for what did not change, clear and destroy.</summary>
public sealed class CookieSessionTests
{
    [Fact]
    public async Task Values_survive_the_round_trip_in_the_cookie_and_another_browser_starts_empty()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        Assert.Equal("1", await browser.GetAsync("/incr?key=n"));
        Assert.Equal("2", await browser.GetAsync("/incr?key=n"));
        Assert.Equal("set", await browser.GetAsync("/set?key=greeting&value=hello-secret"));
        Assert.Equal("hello-secret", await browser.GetAsync("/read?key=greeting"));
        Assert.Equal("3", await browser.GetAsync("/incr?key=n"));

        // The cookie is encrypted: its value shows nothing of the content; and the middleware's own cookie is never set.
        var cookie = Assert.Single(browser.SessionCookies()).Value;
        Assert.DoesNotContain("hello", DecodeLoosely(cookie), StringComparison.Ordinal);
        Assert.False(browser.Jar.ContainsKey(CookieSite.SessionCookie));

        using var other = site.NewBrowser();
        Assert.Equal("(none)", await other.GetAsync("/read?key=greeting"));
    }

    [Fact]
    public async Task A_response_without_a_body_carries_the_cookie_too()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        using (var response = await browser.SendAsync("/set-nobody?key=a&value=1"))
        {
            Assert.Equal(System.Net.HttpStatusCode.NoContent, response.StatusCode);
        }

        Assert.Single(browser.SessionCookies());
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));
    }

    [Fact]
    public async Task The_session_id_is_stable_across_requests_and_changes_at_sign_in()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        await browser.GetAsync("/set?key=a&value=1");
        var id = await browser.GetAsync("/id");
        Assert.Equal(id, await browser.GetAsync("/id"));
        await browser.GetAsync("/login?user=alice");
        Assert.NotEqual(id, await browser.GetAsync("/id"));
        Assert.Equal("alice", await browser.GetAsync("/user"));
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));
    }

    [Fact]
    public async Task No_SetCookie_when_nothing_changed_or_the_value_set_is_the_same()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();

        // A new session that stays empty sets no cookie at all.
        Assert.Equal("(none)", await browser.GetAsync("/read?key=a"));
        Assert.Empty(browser.LastSetCookieLines);

        await browser.GetAsync("/set?key=a&value=1");
        Assert.NotEmpty(browser.LastSetCookieLines);

        Assert.Equal("1", await browser.GetAsync("/read?key=a"));
        Assert.Empty(browser.LastSetCookieLines);
        await browser.GetAsync("/set?key=a&value=1");
        Assert.Empty(browser.LastSetCookieLines);
    }

    [Fact]
    public async Task Clear_of_the_last_values_and_destroy_delete_the_cookie()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        await browser.GetAsync("/set?key=a&value=1");
        await browser.GetAsync("/clear");
        Assert.True(browser.LastDeleted(CookieSite.DataCookie));
        Assert.Empty(browser.SessionCookies());

        await browser.GetAsync("/set?key=a&value=1");
        var copy = browser.SessionCookies();
        await browser.GetAsync("/destroy");
        Assert.True(browser.LastDeleted(CookieSite.DataCookie));
        Assert.Equal("(none)", await browser.GetAsync("/read?key=a"));

        // What destroy cannot do, as the README says: a copy of the cookie taken before still holds the session.
        browser.RestoreSessionCookies(copy);
        Assert.Equal("1", await browser.GetAsync("/read?key=a"));
    }

    [Fact]
    public async Task Without_a_revocation_store_the_session_also_loads_on_first_synchronous_access()
    {
        await using var site = await CookieSite.StartAsync();
        using var browser = site.NewBrowser();
        await browser.GetAsync("/set?key=a&value=1");
        Assert.Equal("1", await browser.GetAsync("/sync-read?key=a"));
    }

    private static string DecodeLoosely(string base64Url)
    {
        var padded = base64Url.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return Encoding.Latin1.GetString(Convert.FromBase64String(padded));
    }
}

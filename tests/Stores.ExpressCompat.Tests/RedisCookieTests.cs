using System;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>The cookie, as both apps write and read it: express-session's own expectations hold on the .NET side.</summary>
public sealed partial class RedisCookieTests(RedisProfileFixture fixture) : IClassFixture<RedisProfileFixture>
{
    private const string Name = "connect.sid";

    [Fact]
    public async Task Both_apps_set_the_same_cookie_for_a_new_session_that_was_changed()
    {
        await fixture.StartAsync();
        using var express = new Browser();
        using var dotnet = new Browser();

        await express.PostAsync(fixture.Express, "express/set", new { a = 1 });
        await dotnet.PostAsync(fixture.Dotnet, "dotnet/set", new { a = 1 });

        // connect.sid=s%3A<32 base64url chars>.<43 base64 chars>; Path=/; Expires=<RFC 1123>; HttpOnly
        Assert.Matches(SetCookieShape(), Assert.Single(express.LastSetCookies));
        Assert.Matches(SetCookieShape(), Assert.Single(dotnet.LastSetCookies));
        Assert.Equal(Attributes(express.LastSetCookies[0]), Attributes(dotnet.LastSetCookies[0]));
    }

    [Fact]
    public async Task Neither_app_sets_a_cookie_for_a_new_session_left_unchanged()
    {
        await fixture.StartAsync();
        using var browser = new Browser();

        await browser.GetAsync(fixture.Express, "express/session");
        Assert.Empty(browser.LastSetCookies);
        await browser.GetAsync(fixture.Dotnet, "dotnet/session");
        Assert.Empty(browser.LastSetCookies);
    }

    [Fact]
    public async Task A_loaded_session_gets_its_cookie_again_only_when_changed()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        await browser.PostAsync(fixture.Express, "express/set", new { a = 1 });

        foreach (var (app, read, write) in new[] { (fixture.Express, "express/session", "express/set"), (fixture.Dotnet, "dotnet/session", "dotnet/set") })
        {
            await browser.GetAsync(app, read);
            Assert.True(browser.LastSetCookies.Count == 0, $"{read} set a cookie for an unchanged session");
            await browser.PostAsync(app, write, new { b = read });
            Assert.True(browser.LastSetCookies.Count == 1, $"{write} set {browser.LastSetCookies.Count} cookies for a changed session");
        }
    }

    [Fact]
    public async Task Each_app_accepts_the_cookie_the_other_signed_and_one_signed_with_the_previous_secret()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { user = "ana" }))["id"]!.GetValue<string>();
        var expressCookie = browser.Cookie(Name);
        await browser.PostAsync(fixture.Dotnet, "dotnet/set", new { more = 1 });
        Assert.Equal(expressCookie, browser.Cookie(Name));

        browser.SetCookie(Name, Uri.EscapeDataString(new ExpressCookieSigner([CrossStackFixture.Secrets[1]]).Sign(id)));

        Assert.Equal(id, (await browser.GetAsync(fixture.Express, "express/session"))["id"]!.GetValue<string>());
        Assert.Equal(id, (await browser.GetAsync(fixture.Dotnet, "dotnet/session"))["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_cookie_signed_with_a_rotated_out_secret_is_refused_on_both_sides()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { user = "ana" }))["id"]!.GetValue<string>();
        browser.SetCookie(Name, Uri.EscapeDataString(new ExpressCookieSigner(["retired-secret"]).Sign(id)));

        var express = await browser.GetAsync(fixture.Express, "express/session");
        var dotnet = await browser.GetAsync(fixture.Dotnet, "dotnet/session");

        Assert.NotEqual(id, express["id"]!.GetValue<string>());
        Assert.Null(SessionJson.WithoutCookie(express["session"]!)["user"]);
        Assert.NotEqual(id, dotnet["id"]!.GetValue<string>());
        Assert.Null(dotnet["session"]!["user"]);
    }

    [Fact]
    public async Task The_cookie_expiry_is_the_stored_cookie_expiry_on_both_sides()
    {
        await fixture.StartAsync();
        foreach (var (app, write) in new[] { (fixture.Express, "express/set"), (fixture.Dotnet, "dotnet/set") })
        {
            using var browser = new Browser();
            var id = (await browser.PostAsync(app, write, new { a = 1 }))["id"]!.GetValue<string>();
            var stored = System.Text.Json.Nodes.JsonNode.Parse((await fixture.StoredJsonAsync(id))!)!;
            var expires = DateTimeOffset.Parse(stored["cookie"]!["expires"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);

            var header = browser.LastSetCookies.Single();
            var sent = DateTimeOffset.Parse(ExpiresAttribute().Match(header).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(expires.ToUnixTimeSeconds(), sent.ToUnixTimeSeconds());
            var originalMaxAge = stored["cookie"]!["originalMaxAge"]!.GetValue<double>();
            if (app == fixture.Dotnet)
            {
                Assert.Equal(CrossStackFixture.MaxAge.TotalMilliseconds, originalMaxAge);
            }
            else
            {
                // express-session derives originalMaxAge as expires - Date.now() right after setting expires = Date.now() + maxAge,
                // so it comes out a millisecond or two short whenever the clock ticks between the two reads.
                Assert.InRange(originalMaxAge, CrossStackFixture.MaxAge.TotalMilliseconds - 50, CrossStackFixture.MaxAge.TotalMilliseconds);
            }
        }
    }

    private static string[] Attributes(string setCookie) =>
        [.. setCookie.Split("; ").Skip(1).Select(a => a.Split('=')[0])];

    [GeneratedRegex(@"^connect\.sid=s%3A[A-Za-z0-9_-]{32}\.[A-Za-z0-9%]+; Path=/; Expires=\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT; HttpOnly$")]
    private static partial Regex SetCookieShape();

    [GeneratedRegex("Expires=([^;]+)")]
    private static partial Regex ExpiresAttribute();
}

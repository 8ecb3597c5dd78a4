using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>One user, two apps, one session in the format of the fixture's npm store: what one side does, the other
/// sees. Each profile runs it through a sealed subclass.</summary>
public abstract class CrossStackTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : CrossStackFixture
{
    private static readonly JsonObject Mixed = new()
    {
        ["user"] = "ana",
        ["visits"] = 42,
        ["ratio"] = 0.25,
        ["admin"] = false,
        ["cart"] = new JsonObject { ["items"] = new JsonArray(1, "two", new JsonObject { ["three"] = null }), ["total"] = 12.5 },
        ["greeting"] = "héllo wörld ✓ 日本語 😀",
    };

    [Fact]
    public async Task A_session_begun_in_Express_continues_in_dotnet_with_every_value()
    {
        await fixture.StartAsync();
        using var browser = new Browser();

        var started = await browser.PostAsync(fixture.Express, "express/set", Mixed);
        var seen = await browser.GetAsync(fixture.Dotnet, "dotnet/session");

        Assert.Equal(started["id"]!.GetValue<string>(), seen["id"]!.GetValue<string>());
        SessionJson.AssertEqual(Mixed, seen["session"]!);
    }

    [Fact]
    public async Task A_session_begun_in_dotnet_continues_in_Express_with_every_value()
    {
        await fixture.StartAsync();
        using var browser = new Browser();

        var started = await browser.PostAsync(fixture.Dotnet, "dotnet/set", Mixed);
        var seen = await browser.GetAsync(fixture.Express, "express/session");

        Assert.Equal(started["id"]!.GetValue<string>(), seen["id"]!.GetValue<string>());
        SessionJson.AssertEqual(Mixed, SessionJson.WithoutCookie(seen["session"]!, fixture.FormatFields));
    }

    [Fact]
    public async Task Changes_made_in_turn_on_both_sides_all_survive()
    {
        await fixture.StartAsync();
        using var browser = new Browser();

        await browser.PostAsync(fixture.Express, "express/set", new { a = 1 });
        await browser.PostAsync(fixture.Dotnet, "dotnet/set", new { b = "two" });
        await browser.PostAsync(fixture.Express, "express/set", new { a = 3, c = new[] { 4 } });
        var dotnet = await browser.GetAsync(fixture.Dotnet, "dotnet/session");
        var express = await browser.GetAsync(fixture.Express, "express/session");

        var expected = new JsonObject { ["a"] = 3, ["b"] = "two", ["c"] = new JsonArray(4) };
        SessionJson.AssertEqual(expected, dotnet["session"]!);
        SessionJson.AssertEqual(expected, SessionJson.WithoutCookie(express["session"]!, fixture.FormatFields));
    }

    [Fact]
    public async Task A_dotnet_write_keeps_the_fields_it_does_not_know_and_their_order_and_Express_own_cookie_object()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { first = 1, legacy = new { flags = new[] { "x" } } }))["id"]!.GetValue<string>();
        var before = JsonNode.Parse((await fixture.StoredJsonAsync(id))!)!.AsObject();

        await browser.PostAsync(fixture.Dotnet, "dotnet/set", new { added = true });

        var after = JsonNode.Parse((await fixture.StoredJsonAsync(id))!)!.AsObject();
        Assert.Equal(["cookie", "first", "legacy", "added"], after.Select(p => p.Key).Except(fixture.FormatFields));
        Assert.True(JsonNode.DeepEquals(before["legacy"], after["legacy"]));
        Assert.Equal(before["cookie"]!.AsObject().Select(p => p.Key), after["cookie"]!.AsObject().Select(p => p.Key));
        Assert.Equal(before["cookie"]!["originalMaxAge"]!.GetValue<long>(), after["cookie"]!["originalMaxAge"]!.GetValue<long>());
    }

    [Fact]
    public async Task Destroy_in_Express_ends_the_session_in_dotnet()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { user = "ana" }))["id"]!.GetValue<string>();

        await browser.PostAsync(fixture.Express, "express/destroy");
        var seen = await browser.GetAsync(fixture.Dotnet, "dotnet/session");

        Assert.Empty(seen["session"]!.AsObject());
        Assert.NotEqual(id, seen["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Destroy_in_dotnet_ends_the_session_in_Express()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Dotnet, "dotnet/set", new { user = "ana" }))["id"]!.GetValue<string>();

        await browser.PostAsync(fixture.Dotnet, "dotnet/destroy");
        var seen = await browser.GetAsync(fixture.Express, "express/session");

        Assert.Null(await fixture.StoredJsonAsync(id));
        Assert.Null(SessionJson.WithoutCookie(seen["session"]!, fixture.FormatFields)["user"]);
        Assert.NotEqual(id, seen["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_read_on_either_side_touches_the_stored_expiry_as_the_npm_store_does()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { user = "ana" }))["id"]!.GetValue<string>();
        var full = (long)CrossStackFixture.MaxAge.TotalSeconds;

        foreach (var app in new[] { fixture.Dotnet, fixture.Express })
        {
            await fixture.ShortenAsync(id, TimeSpan.FromSeconds(100));
            await browser.GetAsync(app, app == fixture.Dotnet ? "dotnet/session" : "express/session");

            // The npm stores' touch: the stored expiry follows the touched cookie, now + max-age (whole seconds).
            var ttl = (long)(await fixture.RemainingAsync(id))!.Value.TotalSeconds;
            Assert.InRange(ttl, full - 5, full);
        }
    }

    [Fact]
    public async Task A_session_expired_in_the_store_is_gone_on_both_sides()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Dotnet, "dotnet/set", new { user = "ana" }))["id"]!.GetValue<string>();
        await fixture.ExpireAsync(id);

        var express = await browser.GetAsync(fixture.Express, "express/session");
        var dotnet = await browser.GetAsync(fixture.Dotnet, "dotnet/session");

        Assert.Null(SessionJson.WithoutCookie(express["session"]!, fixture.FormatFields)["user"]);
        Assert.Null(dotnet["session"]!["user"]);
        Assert.NotEqual(id, express["id"]!.GetValue<string>());
        Assert.NotEqual(id, dotnet["id"]!.GetValue<string>());
    }
}

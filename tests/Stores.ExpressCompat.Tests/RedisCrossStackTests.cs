using System;
using System.Linq;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting;
using StackExchange.Redis;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>One user, two apps, one connect-redis session: what one side does, the other sees.</summary>
public sealed class RedisCrossStackTests(RedisProfileFixture fixture) : IClassFixture<RedisProfileFixture>
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
        AssertJsonEqual(Mixed, seen["session"]!);
    }

    [Fact]
    public async Task A_session_begun_in_dotnet_continues_in_Express_with_every_value()
    {
        await fixture.StartAsync();
        using var browser = new Browser();

        var started = await browser.PostAsync(fixture.Dotnet, "dotnet/set", Mixed);
        var seen = await browser.GetAsync(fixture.Express, "express/session");

        Assert.Equal(started["id"]!.GetValue<string>(), seen["id"]!.GetValue<string>());
        AssertJsonEqual(Mixed, WithoutCookie(seen["session"]!));
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
        AssertJsonEqual(expected, dotnet["session"]!);
        AssertJsonEqual(expected, WithoutCookie(express["session"]!));
    }

    [Fact]
    public async Task A_dotnet_write_keeps_the_fields_it_does_not_know_and_their_order_and_Express_own_cookie_object()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { first = 1, legacy = new { flags = new[] { "x" } } }))["id"]!.GetValue<string>();
        var before = JsonNode.Parse((string)(await fixture.Db.StringGetAsync(fixture.Prefix + id))!)!.AsObject();

        await browser.PostAsync(fixture.Dotnet, "dotnet/set", new { added = true });

        var after = JsonNode.Parse((string)(await fixture.Db.StringGetAsync(fixture.Prefix + id))!)!.AsObject();
        Assert.Equal(["cookie", "first", "legacy", "added"], after.Select(p => p.Key));
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

        Assert.False(await fixture.Db.KeyExistsAsync(fixture.Prefix + id));
        Assert.Null(WithoutCookie(seen["session"]!)["user"]);
        Assert.NotEqual(id, seen["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_read_on_either_side_touches_the_key_as_connect_redis_does()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { user = "ana" }))["id"]!.GetValue<string>();
        var key = (RedisKey)(fixture.Prefix + id);
        var full = (long)CrossStackFixture.MaxAge.TotalSeconds;

        foreach (var app in new[] { fixture.Dotnet, fixture.Express })
        {
            await fixture.Db.KeyExpireAsync(key, TimeSpan.FromSeconds(100));
            await browser.GetAsync(app, app == fixture.Dotnet ? "dotnet/session" : "express/session");

            // connect-redis's touch: EXPIRE to the touched cookie's expiry, ceil((expires - now) / 1 s) = max-age.
            var ttl = (long)(await fixture.Db.KeyTimeToLiveAsync(key))!.Value.TotalSeconds;
            Assert.InRange(ttl, full - 5, full);
        }
    }

    [Fact]
    public async Task A_session_expired_in_Redis_is_gone_on_both_sides()
    {
        await fixture.StartAsync();
        using var browser = new Browser();
        var id = (await browser.PostAsync(fixture.Dotnet, "dotnet/set", new { user = "ana" }))["id"]!.GetValue<string>();
        await fixture.Db.KeyExpireAsync(fixture.Prefix + id, TimeSpan.FromMilliseconds(1));
        await SessionStores.TestServers.Poll.UntilAsync(async () => !await fixture.Db.KeyExistsAsync(fixture.Prefix + id), "the key did not expire");

        var express = await browser.GetAsync(fixture.Express, "express/session");
        var dotnet = await browser.GetAsync(fixture.Dotnet, "dotnet/session");

        Assert.Null(WithoutCookie(express["session"]!)["user"]);
        Assert.Null(dotnet["session"]!["user"]);
        Assert.NotEqual(id, express["id"]!.GetValue<string>());
        Assert.NotEqual(id, dotnet["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_readme_example_reads_the_user_an_Express_session_holds()
    {
        await fixture.StartAsync();
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var redis = fixture.Redis.Configuration;
        await using var app = ReadmeExample.Build(builder, CrossStackFixture.Secrets[0], redis);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var readme = new Uri(app.Urls.First() + "/");
        using var browser = new Browser();

        // The example uses connect-redis's default prefix: this Express app uses its own, so move the key there.
        var id = (await browser.PostAsync(fixture.Express, "express/set", new { user = new { name = "ana", roles = new[] { "admin" } } }))["id"]!.GetValue<string>();
        await fixture.Db.KeyRenameAsync(fixture.Prefix + id, "sess:" + id);
        var me = await browser.GetAsync(readme, "api/me");

        Assert.Equal("ana", me["name"]!.GetValue<string>());
        Assert.Equal("admin", me["roles"]![0]!.GetValue<string>());
        await fixture.Db.KeyDeleteAsync("sess:" + id);
    }

    internal static JsonObject WithoutCookie(JsonNode session)
    {
        var copy = session.DeepClone().AsObject();
        copy.Remove("cookie");
        return copy;
    }

    internal static void AssertJsonEqual(JsonNode expected, JsonNode actual) =>
        Assert.True(JsonNode.DeepEquals(expected, actual), $"expected {expected.ToJsonString()}\n     got {actual.ToJsonString()}");
}

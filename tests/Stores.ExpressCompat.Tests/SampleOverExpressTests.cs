using System;
using System.Net.Http;
using System.Threading.Tasks;
using SessionDemo;
using SessionStores.TestServers;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>The sample (samples/SessionDemo) run with <c>--store express-redis</c> beside the real Express app: it reads
/// the session the Express app created and writes values the Express app reads.</summary>
public sealed class SampleOverExpressTests(RedisProfileFixture fixture) : IClassFixture<RedisProfileFixture>
{
    [Fact]
    public async Task The_sample_with_store_express_redis_shares_the_Express_apps_session()
    {
        await fixture.StartAsync();
        using var express = new Browser();
        await express.PostAsync(fixture.Express, "express/set", new { user = "ana" });
        var redis = (await RedisTestServer.ResolveAsync()).EnsureAvailable();
        await using var demo = DemoApp.Build(
        [
            "--store", "express-redis", "--connection", redis, "--express-prefix", fixture.Prefix,
            "--express-secret", string.Join(',', CrossStackFixture.Secrets),
            "--express-max-age-seconds", ((long)CrossStackFixture.MaxAge.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--urls", "http://127.0.0.1:0",
        ]);
        var address = await LoopbackKestrel.StartAsync(demo);
        using var client = new HttpClient { BaseAddress = address };

        // The sample's "/" counts a view in the session (a JSON number here), its "/get-session" lists the values.
        Assert.Equal("views: 1\n", await SendAsync(client, "/", express));
        var listed = await SendAsync(client, "/get-session", express);

        Assert.Contains("user=ana\n", listed, StringComparison.Ordinal);
        Assert.Contains("views=1\n", listed, StringComparison.Ordinal);
        var session = (await express.GetAsync(fixture.Express, "express/session"))["session"]!;
        Assert.Equal("ana", session["user"]!.GetValue<string>());
        Assert.Equal(1, session["views"]!.GetValue<int>());
    }

    [Fact]
    public void The_express_stores_need_the_Express_apps_secret()
    {
        var error = Assert.Throws<InvalidOperationException>(() => DemoApp.Build(["--store", "express-file", "--connection", "/tmp/x"]));

        Assert.Contains("--express-secret", error.Message, StringComparison.Ordinal);
    }

    private static async Task<string> SendAsync(HttpClient client, string path, Browser browser)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", "connect.sid=" + browser.Cookie("connect.sid"));
        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
    }
}

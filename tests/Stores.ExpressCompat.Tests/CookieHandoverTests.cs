using System;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.AspNetCore;
using Xunit;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>
/// After the switch: the native store holds what <c>convert-express</c> wrote (the same conversion, under the derived
/// key), the app runs the ASP.NET Core integration with <c>UseExpressCookieHandover</c>, and a browser that still has
/// only the Express cookie reads its session through <c>ISession</c> and gets the native cookie.
/// </summary>
public sealed class CookieHandoverTests
{
    private const string Secret = "handover secret";

    [Fact]
    public async Task A_browser_with_only_the_express_cookie_continues_its_converted_session_with_the_native_cookie()
    {
        var expressId = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
        await using var app = await StartAsync();
        var store = app.Services.GetRequiredService<ISessionStore>();
        var converted = ExpressSessionConversion.ToAspNetCoreSession(
            expressId, """{"cookie":{"originalMaxAge":3600000,"expires":"2099-01-01T00:00:00.000Z","httpOnly":true,"path":"/"},"user":{"name":"ana ✓"}}"""u8, DateTimeOffset.UtcNow);
        await store.SetAsync(ExpressSessionConversion.AspNetCoreSessionKey(expressId), new SessionWrite(converted, TimeSpan.FromHours(1)), TestContext.Current.CancellationToken);
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = app.Urls.Select(u => new Uri(u)).First() };

        var first = await GetAsync(client, "connect.sid=" + Uri.EscapeDataString(new ExpressCookieSigner([Secret]).Sign(expressId)));
        Assert.Equal("ana ✓", (await first.Content.ReadFromJsonAsync())["name"]!.GetValue<string>());
        var setCookies = first.Headers.GetValues("Set-Cookie").ToList();
        var native = setCookies.Single(c => c.StartsWith(".AspNetCore.Session=", StringComparison.Ordinal)).Split(';')[0];
        Assert.Contains(setCookies, c => c.StartsWith("connect.sid=;", StringComparison.Ordinal));

        var second = await GetAsync(client, native);
        Assert.Equal("ana ✓", (await second.Content.ReadFromJsonAsync())["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_express_cookie_signed_with_another_secret_is_no_cookie()
    {
        await using var app = await StartAsync();
        using var client = new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = app.Urls.Select(u => new Uri(u)).First() };

        var response = await GetAsync(client, "connect.sid=" + Uri.EscapeDataString(new ExpressCookieSigner(["another"]).Sign("abcdefghijklmnopqrstuvwxyz012345")));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out _));
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/me");
        request.Headers.Add("Cookie", cookie);
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task<WebApplication> StartAsync()
    {
        var builder = LoopbackKestrel.CreateBuilder();
        builder.Services.AddSession();
        builder.Services.AddMemorySessionStore();
        builder.Services.AddStoreBackedSession();
        var app = builder.Build();
        app.UseExpressCookieHandover(o => o.Secrets.Add(Secret));
        app.UseSession();
        app.MapGet("/me", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            return c.Session.GetJson<JsonObject>("user") is { } user ? Results.Json(user) : Results.Unauthorized();
        });
        await LoopbackKestrel.StartAsync(app);
        return app;
    }
}

internal static class ResponseJson
{
    public static async Task<JsonObject> ReadFromJsonAsync(this HttpContent content) =>
        (JsonNode.Parse(await content.ReadAsStringAsync(TestContext.Current.CancellationToken)) as JsonObject)!;
}

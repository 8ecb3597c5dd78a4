using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.AspNetCore;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>
/// The ASP.NET Core side: real Kestrel on loopback, <c>AddSession()</c> + <c>AddExpressSession</c> over the store the
/// fixture registers, and the same three routes as the Express app under <c>/dotnet/</c>.
/// </summary>
public sealed class DotnetApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DotnetApp(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<DotnetApp> StartAsync(Action<ExpressSessionOptions> session, Action<IServiceCollection> store)
    {
        var builder = LoopbackKestrel.CreateBuilder();
        builder.Services.AddSession();
        builder.Services.AddExpressSession(session);
        store(builder.Services);
        var app = builder.Build();
        app.UseSession();

        // The whole session as .NET sees it: its id and every value, as the JSON it is.
        app.MapGet("/dotnet/session", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            var values = new JsonObject();
            foreach (var key in c.Session.Keys.ToList())
            {
                values[key] = JsonNode.Parse(c.Session.TryGetValue(key, out var json) ? json : "null"u8.ToArray());
            }

            return Results.Json(new JsonObject { ["id"] = c.Session.Id, ["session"] = values });
        });

        // Sets each property of the JSON body as a session value.
        app.MapPost("/dotnet/set", async (HttpContext c, JsonObject body) =>
        {
            await c.Session.LoadAsync();
            foreach (var (key, value) in body)
            {
                c.Session.Set(key, Encoding.UTF8.GetBytes(value?.ToJsonString() ?? "null"));
            }

            return Results.Json(new JsonObject { ["id"] = c.Session.Id });
        });

        app.MapPost("/dotnet/destroy", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            await c.Session.DestroyAsync();
            return Results.Json(new JsonObject { ["destroyed"] = true });
        });

        return new DotnetApp(app, await LoopbackKestrel.StartAsync(app));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

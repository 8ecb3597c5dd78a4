using System;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.ExpressCompat;

namespace SessionStores.ExpressCompat.Tests;

/// <summary>The example of src/Stores.ExpressCompat/README.md, word for word between the markers (its usings at the top), so that it compiles
/// and a test runs it against a session the real Express app created.</summary>
public static class ReadmeExample
{
    public static WebApplication Build(WebApplicationBuilder builder, string expressSecret, string redis)
    {
        // README example start
        builder.Services.AddSession();
        builder.Services.AddExpressSession(o =>
        {
            o.Secrets.Add(expressSecret);                 // the Express app's `secret` (newest first)
            o.CookieMaxAge = TimeSpan.FromHours(1);       // its `cookie: { maxAge: 3600000 }`
        });
        builder.Services.AddExpressRedisSessionStore(o => o.ConnectionString = redis);   // connect-redis, prefix "sess:"

        var app = builder.Build();
        app.UseSession();

        // Express wrote `req.session.user = { name: 'ana', roles: ['admin'] }`; .NET reads it in place.
        app.MapGet("/api/me", async (HttpContext context) =>
        {
            await context.Session.LoadAsync();
            var user = context.Session.GetJson<JsonObject>("user");
            return user is null ? Results.Unauthorized() : Results.Ok(user);
        });
        // README example end
        return app;
    }
}

using System;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SessionDemo;

/// <summary>Builds the demo application; the tests start the same application on a free loopback port.</summary>
public static class DemoApp
{
    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "demo.sid";

    /// <summary>Builds the app from command-line arguments (<c>--store</c>, <c>--connection</c>, <c>--urls</c>, ...).</summary>
    /// <param name="args">The arguments.</param>
    /// <param name="configureServices">Extra service registrations (tests use it to wrap the store).</param>
    /// <returns>The app, not yet started.</returns>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var settings = DemoSettings.From(builder.Configuration);

        // The user's code stays the ASP.NET Core classic: AddSession + UseSession.
        builder.Services.AddSession(o =>
        {
            o.Cookie.Name = CookieName;
            o.Cookie.IsEssential = true;
            o.IdleTimeout = settings.IdleTimeout;
        });
        DemoStores.Register(builder.Services, settings);

        // The admin page's forms carry an antiforgery token, checked before they change anything.
        builder.Services.AddAntiforgery();
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton<BenchCounters>();
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();

        // Routing's own 404 (unknown path) and 405 (wrong method) have no body; say something. Other statuses keep theirs.
        app.UseStatusCodePages(context =>
        {
            var response = context.HttpContext.Response;
            if (response.StatusCode is not (404 or 405))
            {
                return Task.CompletedTask;
            }

            response.ContentType = "text/plain; charset=utf-8";
            return response.WriteAsync($"HTTP {response.StatusCode}: nothing here answers this method and path; the README lists the demo's routes.\n");
        });
        if (settings.BenchCounters)
        {
            app.UseMiddleware<BenchCounters.Middleware>();
        }

        app.UseSession();
        app.UseAntiforgery();
        Routes.Map(app);
        AdminPage.Map(app);
        ReliabilityRoutes.Map(app);

        // Logging is at Warning (Kestrel's own "Now listening" is Information): say where the demo answers, and on what.
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
            $"SessionDemo: sessions in the {settings.Store} store; listening on {string.Join(", ", app.Urls)} (Ctrl+C stops it)."));
        return app;
    }
}

using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SessionStores.AspNetCore;
using Xunit;

namespace SessionStores.Cookies.Tests;

/// <summary>
/// A real Kestrel server on 127.0.0.1 with the classic AddSession/UseSession code and <c>AddCookieSession</c>; Data
/// Protection keeps its keys in a fresh directory, so that tests can rotate and revoke them.
/// </summary>
public sealed class CookieSite : IAsyncDisposable
{
    public const string SessionCookie = "test.sid";
    public const string DataCookie = SessionCookie + ".data";

    private readonly WebApplication _app;

    private CookieSite(WebApplication app, Uri address, LogCollector logs)
    {
        _app = app;
        Address = address;
        Logs = logs;
    }

    public Uri Address { get; }

    public LogCollector Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<CookieSite> StartAsync(Action<CookieSessionOptions>? configure = null, Action<IServiceCollection>? services = null, string? keyDirectory = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var logs = new LogCollector();
        builder.Logging.AddProvider(logs);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddDataProtection()
            .SetApplicationName("cookie-tests")
            .PersistKeysToFileSystem(new DirectoryInfo(keyDirectory ?? NewKeyDirectory()));
        builder.Services.AddSession(o => o.Cookie.Name = SessionCookie);
        builder.Services.AddCookieSession(configure);
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.UseSession();
        MapRoutes(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new CookieSite(app, new Uri(address), logs);
    }

    public static string NewKeyDirectory() => Path.Combine(Path.GetTempPath(), "sessionstores-cookie-keys", Guid.NewGuid().ToString("N"));

    /// <summary>A browser: its own cookie jar, every Set-Cookie visible.</summary>
    public Browser NewBrowser() => new(new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = Address });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void MapRoutes(WebApplication app)
    {
        app.MapGet("/read", async (HttpContext c, string key) =>
        {
            await c.Session.LoadAsync();
            return c.Session.GetString(key) ?? "(none)";
        });
        app.MapGet("/sync-read", (HttpContext c, string key) => c.Session.GetString(key) ?? "(none)");
        app.MapGet("/set", async (HttpContext c, string key, string value) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString(key, value);
            return "set";
        });
        // No body: the session middleware's own commit, at its end, sets the cookie before the response starts.
        app.MapGet("/set-nobody", async (HttpContext c, string key, string value) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString(key, value);
            return Results.NoContent();
        });
        app.MapGet("/incr", async (HttpContext c, string key) =>
        {
            await c.Session.LoadAsync();
            var n = (c.Session.GetInt32(key) ?? 0) + 1;
            c.Session.SetInt32(key, n);
            return n.ToString(CultureInfo.InvariantCulture);
        });
        app.MapGet("/id", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            return c.Session.Id;
        });

        // Random bytes do not compress: the cookie grows with the value.
        app.MapGet("/big", async (HttpContext c, int size) =>
        {
            await c.Session.LoadAsync();
            c.Session.Set("big", System.Security.Cryptography.RandomNumberGenerator.GetBytes(size));
            return "set";
        });
        app.MapGet("/big-commit", async (HttpContext c, int size) =>
        {
            await c.Session.LoadAsync();
            c.Session.Set("big", System.Security.Cryptography.RandomNumberGenerator.GetBytes(size));
            try
            {
                await c.Session.CommitAsync();
                return "committed";
            }
            catch (CookieSessionTooLargeException ex)
            {
                return ex.Message;
            }
        });
        app.MapGet("/big-size", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            return c.Session.TryGetValue("big", out var bytes) ? bytes.Length.ToString(CultureInfo.InvariantCulture) : "(none)";
        });
        app.MapGet("/clear", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            c.Session.Clear();
            return "cleared";
        });
        app.MapGet("/destroy", async (HttpContext c) =>
        {
            await c.Session.DestroyAsync();
            return "destroyed";
        });
        app.MapGet("/login", async (HttpContext c, string user) =>
        {
            await c.Session.LoadAsync();
            c.Session.RegenerateId();
            c.Session.SetSubject(user);
            c.Session.SetString("user", user);
            return "logged in";
        });
        app.MapGet("/user", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            return c.Session.GetString("user") ?? "(none)";
        });
    }

    /// <summary>Keeps every log entry at Information and above, for the tests that check what was logged.</summary>
    public sealed class LogCollector : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, EventId Id, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        public bool Has(int eventId, LogLevel level) => Entries.Any(e => e.Id.Id == eventId && e.Level == level);

        private sealed class Logger(LogCollector owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    owner.Entries.Enqueue((category, logLevel, eventId, formatter(state, exception)));
                }
            }
        }
    }
}

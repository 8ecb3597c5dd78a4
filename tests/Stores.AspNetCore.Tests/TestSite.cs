using System;
using System.IO;
using System.Linq;
using System.Net;
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
using Xunit;

namespace SessionStores.AspNetCore.Tests;

/// <summary>
/// A real Kestrel server on 127.0.0.1 (a free port) with the classic AddSession/UseSession code and our one call, over
/// a real store wrapped in <see cref="InterceptingSessionStore"/>.
/// </summary>
public sealed class TestSite : IAsyncDisposable
{
    public const string CookieName = "test.sid";

    private readonly WebApplication _app;

    private TestSite(WebApplication app, InterceptingSessionStore store, Uri address)
    {
        _app = app;
        Store = store;
        Address = address;
    }

    public InterceptingSessionStore Store { get; }

    public Uri Address { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<TestSite> StartAsync(
        ISessionStore store,
        Action<StoreBackedSessionOptions>? configure = null,
        Action<IServiceCollection>? services = null,
        bool registerBeforeAddSession = false,
        Action<WebApplication>? beforeSession = null,
        string? environment = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var intercepting = new InterceptingSessionStore(store);
        builder.Services.AddSingleton<ISessionStore>(intercepting);
        if (registerBeforeAddSession)
        {
            builder.Services.AddStoreBackedSession(configure);
        }

        builder.Services.AddSession(o => o.Cookie.Name = CookieName);
        if (!registerBeforeAddSession)
        {
            builder.Services.AddStoreBackedSession(configure);
        }

        services?.Invoke(builder.Services);
        var app = builder.Build();
        beforeSession?.Invoke(app);
        app.UseSession();
        MapRoutes(app);
        await app.StartAsync(TestContext.Current.CancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestSite(app, intercepting, new Uri(address));
    }

    /// <summary>Services for app instances that read each other's cookies: one data-protection key ring, in a folder of
    /// its own.</summary>
    /// <param name="applicationName">The data-protection application name the instances share.</param>
    /// <returns>What to pass as <c>services</c> to each instance's <see cref="StartAsync"/>.</returns>
    public static Action<IServiceCollection> SharedKeyRing(string applicationName)
    {
        var keys = Directory.CreateTempSubdirectory("sessionstores-keys-").FullName;
        return s => s.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(keys)).SetApplicationName(applicationName);
    }

    /// <summary>A client with its own cookie jar (one browser).</summary>
    public HttpClient NewClient(CookieContainer? cookies = null) =>
        new(new HttpClientHandler { CookieContainer = cookies ?? new CookieContainer(), UseCookies = true }) { BaseAddress = Address };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        if (Store.Inner is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    private static void MapRoutes(WebApplication app)
    {
        app.MapGet("/none", () => "untouched");
        app.MapGet("/read-only", async (HttpContext c, string key) =>
        {
            await c.Session.LoadAsync();
            return c.Session.GetString(key) ?? "(none)";
        }).WithMetadata(new ReadOnlySessionAttribute());
        app.MapGet("/read", async (HttpContext c, string key) =>
        {
            await c.Session.LoadAsync();
            return c.Session.GetString(key) ?? "(none)";
        });
        app.MapGet("/incr", async (HttpContext c, string key) =>
        {
            await c.Session.LoadAsync();
            var n = (c.Session.GetInt32(key) ?? 0) + 1;
            c.Session.SetInt32(key, n);
            return n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        // Edits the stored bytes in place and hands the same array back, as code that treats the value as a buffer does.
        app.MapGet("/incr-in-place", async (HttpContext c, string key) =>
        {
            await c.Session.LoadAsync();
            if (!c.Session.TryGetValue(key, out var bytes))
            {
                bytes = new byte[1];
            }

            bytes[0]++;
            c.Session.Set(key, bytes);
            return bytes[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        app.MapGet("/byte", async (HttpContext c, string key) =>
        {
            await c.Session.LoadAsync();
            return c.Session.TryGetValue(key, out var bytes) ? bytes[0].ToString(System.Globalization.CultureInfo.InvariantCulture) : "(none)";
        });
        app.MapGet("/count", async (HttpContext c, string key) =>
        {
            await c.Session.LoadAsync();
            return (c.Session.GetInt32(key) ?? 0).ToString(System.Globalization.CultureInfo.InvariantCulture);
        });
        app.MapGet("/set", async (HttpContext c, string key, string value) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString(key, value);
            return "set";
        });

        // A body with Content-Length, written and flushed by the endpoint: the client has the whole response as soon as
        // it is sent, before the pipeline (and the built-in session's commit) ends. Only this shape can reveal a response
        // that overtook its session write; a chunked body ends only with the pipeline.
        app.MapGet("/set-sized", async (HttpContext c, string key, string value) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString(key, value);
            c.Response.ContentType = "text/plain";
            c.Response.ContentLength = 3;
            await c.Response.WriteAsync("set");
            await c.Response.Body.FlushAsync();
        });

        // The same, written to BodyWriter without starting the response first: the bytes wait for the commit.
        app.MapGet("/set-writer", async (HttpContext c, string key, string value) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString(key, value);
            c.Response.ContentType = "text/plain";
            c.Response.ContentLength = 3;
            var span = c.Response.BodyWriter.GetSpan(3);
            "set"u8.CopyTo(span);
            c.Response.BodyWriter.Advance(3);
            await c.Response.BodyWriter.FlushAsync();
        });

        // The same, never flushed by the endpoint: the server flushes it after the pipeline, after the final commit.
        app.MapGet("/set-writer-unflushed", async (HttpContext c, string key, string value) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString(key, value);
            c.Response.ContentType = "text/plain";
            var span = c.Response.BodyWriter.GetSpan(3);
            "set"u8.CopyTo(span);
            c.Response.BodyWriter.Advance(3);
        });

        // A minimal-API JSON result: System.Text.Json serializes into BodyWriter and asks it for its unflushed bytes.
        app.MapGet("/set-json", async (HttpContext c, string key, string value) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString(key, value);
            return new KeyValue(key, value);
        });

        // Commits when the middleware ends (no body written by the endpoint), the other read-your-writes path.
        app.MapGet("/set-nobody", async (HttpContext c, string key, string value) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString(key, value);
            return Results.NoContent();
        });
        app.MapGet("/keys", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            return string.Join(",", c.Session.Keys.Order(StringComparer.Ordinal));
        });
        app.MapGet("/login", async (HttpContext c, string user) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetString("user", user);
            c.Session.SetSubject(user);
            return c.Session.Id;
        });
        app.MapGet("/login-regenerating", async (HttpContext c, string user) =>
        {
            await c.Session.LoadAsync();
            var id = c.Session.RegenerateId();
            c.Session.SetString("user", user);
            c.Session.SetSubject(user);
            return id;
        });
        // An error page (UseExceptionHandler("/error") re-executes the pipeline here) that reads the session.
        app.MapGet("/error", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            return "error page, cart " + (c.Session.GetString("cart") ?? "(none)");
        });

        // A sign-in that fails after regenerating the id (the user database, say).
        app.MapGet("/login-regenerating-then-fail", async (HttpContext c, string user) =>
        {
            await c.Session.LoadAsync();
            c.Session.RegenerateId();
            c.Session.SetString("user", user);
            c.Session.SetSubject(user);
            throw new InvalidOperationException("the sign-in failed after the id was regenerated (test)");
        });

        // Signs out but keeps the rest of the session (a cart, say), under a new id.
        app.MapGet("/logout-regenerating", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            c.Session.Remove("user");
            c.Session.SetSubject(null);
            return c.Session.RegenerateId();
        });
        app.MapGet("/id", (HttpContext c) => c.Session.Id);

        // Binds the session to a subject, or (no s) unbinds it: a login or logout that keeps the id.
        app.MapGet("/subject", async (HttpContext c, string? s) =>
        {
            await c.Session.LoadAsync();
            c.Session.SetSubject(string.IsNullOrEmpty(s) ? null : s);
            return "ok";
        });
        app.MapGet("/get-subject", async (HttpContext c) =>
        {
            await c.Session.LoadAsync();
            return c.Session.GetSubject() ?? "(none)";
        });

        // Another writer changes the session between this request's load and its own explicit commit.
        app.MapGet("/commit-after-concurrent-write", async (HttpContext c, ISessionStore store) =>
        {
            await c.Session.LoadAsync();
            var current = await store.GetAsync(c.Session.Id);
            await store.SetAsync(c.Session.Id, new SessionWrite(current!.Data, TimeSpan.FromMinutes(5)));
            c.Session.SetString("mine", "1");
            try
            {
                await c.Session.CommitAsync();
                return "committed";
            }
            catch (SessionCommitConflictException)
            {
                try
                {
                    c.Session.SetString("later", "1");
                    return "conflict handled, and a later write was accepted (and would be lost)";
                }
                catch (InvalidOperationException)
                {
                    return "conflict handled by the application";
                }
            }
        });
        app.MapGet("/destroy", async (HttpContext c) =>
        {
            await c.Session.DestroyAsync();
            return "destroyed";
        });
        app.MapGet("/unloaded-read", (HttpContext c) => c.Session.GetString("x") ?? "(none)");
    }
}

/// <summary>The body of the <c>/set-json</c> route.</summary>
public sealed record KeyValue(string Key, string Value);

using System;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using SessionStores.AspNetCore;
using SessionStores.Cookies;

namespace SessionDemo;

/// <summary>The classic session routes of the express-session and ASP.NET Core tutorials.</summary>
internal static class Routes
{
    public const string UserKey = "user";
    public const string ViewsKey = "views";
    public const string DemoPassword = "demo";

    private const int MaxUserLength = 64;
    private const int MaxKeyLength = 64;
    private const int MaxValueLength = 1024;

    public static void Map(WebApplication app)
    {
        // Read-modify-write: one load (with sliding expiry) and one compare-and-set per request.
        app.MapGet("/", async (HttpContext context) =>
        {
            await context.Session.LoadAsync(context.RequestAborted);
            var views = (SessionValues.GetCount(context, ViewsKey) ?? 0) + 1;
            SessionValues.SetCount(context, ViewsKey, views);
            return Results.Text($"views: {views}\n");
        });

        app.MapGet("/set-session", async (HttpContext context, string? key, string? value) =>
        {
            key ??= "message";
            value ??= "hello";
            if (key is ViewsKey or UserKey)
            {
                return Input.Error(StatusCodes.Status400BadRequest, $"The key '{key}' is managed by the demo; choose another key.");
            }

            if (!Input.IsPlainName(key, MaxKeyLength) || value.Length > MaxValueLength)
            {
                return Input.Error(
                    StatusCodes.Status400BadRequest,
                    $"A key is 1 to {MaxKeyLength} characters without control characters, and a value at most {MaxValueLength} characters.");
            }

            await context.Session.LoadAsync(context.RequestAborted);

            SessionValues.SetText(context, key, value);
            return Results.Text($"set {key}\n");
        });

        // Read-only: one round trip (load with sliding expiry), nothing written, and it never waits behind a writer of the
        // same session ([ReadOnlySession]).
        app.MapGet("/get-session", async (HttpContext context) =>
        {
            await context.Session.LoadAsync(context.RequestAborted);
            var text = new StringBuilder();
            foreach (var key in context.Session.Keys)
            {
                text.Append(key).Append('=').Append(key == ViewsKey ? SessionValues.GetCount(context, key)?.ToString(System.Globalization.CultureInfo.InvariantCulture) : SessionValues.GetText(context, key)).Append('\n');
            }

            return Results.Text(text.Length == 0 ? "(empty session)\n" : text.ToString());
        }).WithMetadata(new ReadOnlySessionAttribute());

        app.MapGet("/destroy-session", async (HttpContext context) =>
        {
            await DestroyAsync(context);
            return Results.Text("session destroyed\n");
        });

        app.MapGet("/login", (HttpContext context) => Html.Page("Log in", """
            <form method="post" action="/login">
              <label>User name <input name="username" autofocus required></label>
              <label>Password <input name="password" type="password" required></label>
              <button type="submit">Log in</button>
            </form>
            <p class="hint">Every user's password is <code>demo</code>; the user <code>admin</code> may open <a href="/admin">/admin</a>.</p>
            """));

        app.MapPost("/login", async (HttpContext context) =>
        {
            var (form, error) = await Input.ReadFormAsync(context);
            if (error is not null)
            {
                return error;
            }

            var user = form!["username"].ToString().Trim();
            if (!Input.IsPlainName(user, MaxUserLength))
            {
                return Input.Error(StatusCodes.Status400BadRequest, $"A user name is 1 to {MaxUserLength} characters without control characters.");
            }

            if (form["password"] != DemoPassword)
            {
                return Input.Error(StatusCodes.Status401Unauthorized, "Wrong user name or password.");
            }

            await context.Session.LoadAsync(context.RequestAborted);
            if (HasSubjects(context.Session))
            {
                // A new id at sign-in (against session fixation), bound to the user: the admin page lists it and
                // "sign out everywhere" finds it.
                context.Session.RegenerateId();
                context.Session.SetSubject(user);
            }

            SessionValues.SetText(context, UserKey, user);

            return Results.Redirect("/dashboard", permanent: false);
        });

        app.MapGet("/dashboard", async (HttpContext context) =>
        {
            await context.Session.LoadAsync(context.RequestAborted);
            var user = SessionValues.GetText(context, UserKey);
            if (user is null)
            {
                return Results.Redirect("/login");
            }

            var views = SessionValues.GetCount(context, ViewsKey) ?? 0;
            return Html.Page("Dashboard", $"""
                <p>Welcome, <strong id="user">{WebUtility.HtmlEncode(user)}</strong>. You viewed <code>/</code> {views} time(s) in this session.</p>
                <p><a href="/">count a view</a> · <a href="/get-session">session contents</a> · <a href="/admin">admin</a> · <a href="/logout">log out</a></p>
                """);
        }).WithMetadata(new ReadOnlySessionAttribute());

        app.MapMethods("/logout", ["GET", "POST"], async (HttpContext context) =>
        {
            await DestroyAsync(context);
            return Results.Redirect("/login");
        });
    }

    // Store-backed and cookie sessions both bind subjects, regenerate ids and destroy; the built-in session does none.
    private static bool HasSubjects(ISession session) => session.IsStoreBacked() || session.IsCookieSession();

    private static async Task DestroyAsync(HttpContext context)
    {
        if (HasSubjects(context.Session))
        {
            await context.Session.DestroyAsync(context.RequestAborted);
        }
        else
        {
            // The built-in session cannot delete its entry; clearing it is the best it offers.
            await context.Session.LoadAsync(context.RequestAborted);
            context.Session.Clear();
        }
    }
}

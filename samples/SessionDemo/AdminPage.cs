using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionStores;
using SessionStores.AspNetCore;

namespace SessionDemo;

/// <summary>The admin page: live sessions with their subject, creation, expiry and size; destroy one or sign a user
/// out everywhere. Only the configured admin user may use it.</summary>
internal static class AdminPage
{
    private const int MaxRows = 200;

    public static void Map(WebApplication app)
    {
        app.MapGet("/admin", async (HttpContext context) =>
        {
            if (await Deny(context) is { } denied)
            {
                return denied;
            }

            var admin = context.RequestServices.GetRequiredService<SessionAdmin>();
            var rows = new StringBuilder();
            var shown = 0;
            await foreach (var session in admin.ListAsync(cancellationToken: context.RequestAborted))
            {
                if (++shown > MaxRows)
                {
                    break;
                }

                rows.Append(Row(session, context.Session.Id));
            }

            var count = await admin.CountAsync(cancellationToken: context.RequestAborted);
            return Html.Page("Live sessions", $"""
                <p><span id="count">{count}</span> live session(s){(count > MaxRows ? $", the first {MaxRows} shown" : "")}. <a href="/dashboard">dashboard</a></p>
                <table id="sessions">
                  <thead><tr><th>Session</th><th>Subject</th><th>Created (UTC)</th><th>Expires (UTC)</th><th>Size (bytes)</th><th></th></tr></thead>
                  <tbody>
                {rows}  </tbody>
                </table>
                """);
        });

        app.MapPost("/admin/destroy", async (HttpContext context) =>
        {
            if (await Deny(context) is { } denied)
            {
                return denied;
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var id = form["id"].ToString();
            if (!SessionValidation.IsValidId(id))
            {
                return Results.BadRequest("invalid session id\n");
            }

            await context.RequestServices.GetRequiredService<SessionAdmin>().DestroyAsync(id, context.RequestAborted);
            return Results.Redirect("/admin");
        });

        app.MapPost("/admin/sign-out", async (HttpContext context) =>
        {
            if (await Deny(context) is { } denied)
            {
                return denied;
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var subject = form["subject"].ToString();
            if (subject.Length is 0 or > SessionLimits.MaxSubjectLength)
            {
                return Results.BadRequest("invalid subject\n");
            }

            await context.RequestServices.GetRequiredService<SessionAdmin>().SignOutEverywhereAsync(subject, context.RequestAborted);
            return Results.Redirect("/admin");
        });
    }

    private static async Task<IResult?> Deny(HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<DemoSettings>();
        if (settings.IsBuiltIn)
        {
            return Results.Text("ASP.NET Core's built-in session cannot list sessions; run with a SessionStores store.\n", statusCode: StatusCodes.Status501NotImplemented);
        }

        await context.Session.LoadAsync(context.RequestAborted);
        return context.Session.GetString(Routes.UserKey) == settings.AdminUser
            ? null
            : Results.Redirect("/login");
    }

    private static string Row(SessionInfo session, string current)
    {
        var id = WebUtility.HtmlEncode(session.Id);
        var subject = session.Subject is null ? "" : WebUtility.HtmlEncode(session.Subject);
        var signOut = session.Subject is null ? "" : $"""
            <form class="inline" method="post" action="/admin/sign-out"><input type="hidden" name="subject" value="{subject}"><button type="submit" class="sign-out">Sign out everywhere</button></form>
            """;
        return $"""
                <tr data-subject="{subject}" data-id="{id}">
                  <td><code>{WebUtility.HtmlEncode(SessionValidation.Tag(session.Id))}</code>{(session.Id == current ? " (you)" : "")}</td>
                  <td class="subject">{subject}</td>
                  <td>{session.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}</td>
                  <td>{session.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}</td>
                  <td>{session.Size}</td>
                  <td><form class="inline" method="post" action="/admin/destroy"><input type="hidden" name="id" value="{id}"><button type="submit" class="destroy">Destroy</button></form>
                      {signOut}</td>
                </tr>

            """;
    }
}

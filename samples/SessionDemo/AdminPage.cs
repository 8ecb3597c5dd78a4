using System.Globalization;
using System.Net;
using System.Text;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionStores;
using SessionStores.AspNetCore;

namespace SessionDemo;

/// <summary>The admin page: live sessions with their subject, creation, expiry and size; destroy one or sign a user
/// out everywhere. Only the configured admin user may use it. Both actions are forms with an antiforgery token, ask for
/// confirmation on a page of their own, and report what they did at the top of the list.</summary>
internal static class AdminPage
{
    private const int MaxRows = 200;

    // The report of the last action, shown once on the list (post/redirect/get).
    private const string NoticeKey = "admin.notice";

    public static void Map(WebApplication app)
    {
        app.MapGet("/admin", async (HttpContext context) =>
        {
            if (await Deny(context) is { } denied)
            {
                return denied;
            }

            var token = TokenField(context);
            if (context.RequestServices.GetRequiredService<DemoSettings>().IsCookie)
            {
                return CookieAdminPage.Page(token, TakeNotice(context));
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

                rows.Append(Row(session, context.Session.Id, token));
            }

            var count = await admin.CountAsync(cancellationToken: context.RequestAborted);
            var notice = TakeNotice(context);
            return Html.Page("Live sessions", $"""
                {(notice is null ? "" : $"<p id=\"notice\" role=\"status\">{WebUtility.HtmlEncode(notice)}</p>")}
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
            var (form, error) = await ReadAdminFormAsync(context);
            if (error is not null)
            {
                return error;
            }

            if (context.RequestServices.GetRequiredService<DemoSettings>().IsCookie)
            {
                return Input.Error(StatusCodes.Status501NotImplemented, CookieAdminPage.CannotDestroy);
            }

            var id = form!["id"].ToString();
            if (!SessionValidation.IsValidId(id))
            {
                return Input.Error(StatusCodes.Status400BadRequest, "The form's 'id' is not a session id (1 to 256 characters from A-Z a-z 0-9 . _ ~ -).");
            }

            var tag = SessionValidation.Tag(id);
            if (form["confirm"] != "yes")
            {
                return Confirm(context, $"Destroy session {tag}?", "/admin/destroy", "id", id, "Destroy", "The browser that holds it is signed out at its next request.");
            }

            var destroyed = await context.RequestServices.GetRequiredService<SessionAdmin>().DestroyAsync(id, context.RequestAborted);
            return Done(context, destroyed ? $"Destroyed session {tag}." : $"Session {tag} was already gone; nothing was destroyed.", ownSessionGone: id == context.Session.Id);
        });

        app.MapPost("/admin/sign-out", async (HttpContext context) =>
        {
            var (form, error) = await ReadAdminFormAsync(context);
            if (error is not null)
            {
                return error;
            }

            var subject = form!["subject"].ToString();
            if (!Input.IsPlainName(subject, SessionLimits.MaxSubjectLength))
            {
                return Input.Error(StatusCodes.Status400BadRequest, $"The form's 'subject' must be 1 to {SessionLimits.MaxSubjectLength} characters without control characters.");
            }

            var user = context.Session.GetString(Routes.UserKey);
            if (context.RequestServices.GetRequiredService<DemoSettings>().IsCookie)
            {
                return form["confirm"] != "yes"
                    ? Confirm(context, $"Sign {subject} out everywhere?", "/admin/sign-out", "subject", subject, "Sign out everywhere", CookieAdminPage.Consequence(subject))
                    : Done(context, await CookieAdminPage.SignOutEverywhereAsync(context, subject, context.RequestAborted), ownSessionGone: subject == user);
            }

            var admin = context.RequestServices.GetRequiredService<SessionAdmin>();
            if (form["confirm"] != "yes")
            {
                var live = await admin.CountAsync(subject, context.RequestAborted);
                return Confirm(context, $"Sign {subject} out everywhere?", "/admin/sign-out", "subject", subject, "Sign out everywhere", $"This destroys the {live} live session(s) of {subject}.");
            }

            var destroyed = await admin.SignOutEverywhereAsync(subject, context.RequestAborted);
            return Done(context, $"Signed {subject} out everywhere: destroyed {destroyed} session(s).", ownSessionGone: subject == user);
        });
    }

    // The admin actions' common checks, in order: a readable form (415/400), the admin user (redirect to /login), a valid
    // antiforgery token (400). Returns the form, or the reply that ends the request.
    private static async Task<(IFormCollection? Form, IResult? Error)> ReadAdminFormAsync(HttpContext context)
    {
        var (form, error) = await Input.ReadFormAsync(context);
        if (error is not null)
        {
            return (null, error);
        }

        if (await Deny(context) is { } denied)
        {
            return (null, denied);
        }

        var antiforgery = context.RequestServices.GetRequiredService<IAntiforgery>();
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return (null, Input.Error(StatusCodes.Status400BadRequest, "The form's antiforgery token is missing or invalid. Reload the admin page and try again."));
        }

        return (form, null);
    }

    private static async Task<IResult?> Deny(HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<DemoSettings>();
        if (!settings.CanList)
        {
            return Input.Error(StatusCodes.Status501NotImplemented, settings.IsBuiltIn
                ? "ASP.NET Core's built-in session cannot list sessions; run with a SessionStores store."
                : settings.IsExpress
                    ? "An Express app's session store cannot list sessions (its format has no listing); the Express app owns them."
                    : "The Memcached store cannot list sessions (memcached cannot enumerate its keys); run with a store that can.");
        }

        await context.Session.LoadAsync(context.RequestAborted);
        return context.Session.GetString(Routes.UserKey) == settings.AdminUser
            ? null
            : Results.Redirect("/login");
    }

    // The report of the last action, shown once.
    private static string? TakeNotice(HttpContext context)
    {
        var notice = context.Session.GetString(NoticeKey);
        context.Session.Remove(NoticeKey);
        return notice;
    }

    // The confirmation step: the same form again, with confirm=yes and a fresh token, or back to the list.
    private static IResult Confirm(HttpContext context, string question, string action, string field, string value, string button, string consequence) =>
        Html.Page("Please confirm", $"""
            <p id="question">{WebUtility.HtmlEncode(question)} {WebUtility.HtmlEncode(consequence)}</p>
            <form method="post" action="{action}">
              {TokenField(context)}
              <input type="hidden" name="{field}" value="{WebUtility.HtmlEncode(value)}">
              <input type="hidden" name="confirm" value="yes">
              <button type="submit" id="confirm">{WebUtility.HtmlEncode(button)}</button>
              <a href="/admin" id="cancel">Cancel</a>
            </form>
            """);

    // The report: on the list, unless the admin just ended their own session (then there is no list to go back to).
    private static IResult Done(HttpContext context, string report, bool ownSessionGone)
    {
        if (ownSessionGone)
        {
            return Html.Page("Done", $"""<p id="notice" role="status">{WebUtility.HtmlEncode(report)} That included your own session: <a href="/login">log in again</a>.</p>""");
        }

        context.Session.SetString(NoticeKey, report);
        return Results.Redirect("/admin");
    }

    private static string TokenField(HttpContext context)
    {
        var tokens = context.RequestServices.GetRequiredService<IAntiforgery>().GetAndStoreTokens(context);
        return $"""<input type="hidden" name="{WebUtility.HtmlEncode(tokens.FormFieldName)}" value="{WebUtility.HtmlEncode(tokens.RequestToken)}">""";
    }

    private static string Row(SessionInfo session, string current, string token)
    {
        var id = WebUtility.HtmlEncode(session.Id);
        var subject = session.Subject is null ? "" : WebUtility.HtmlEncode(session.Subject);
        var signOut = session.Subject is null ? "" : $"""
            <form class="inline" method="post" action="/admin/sign-out">{token}<input type="hidden" name="subject" value="{subject}"><button type="submit" class="sign-out">Sign out everywhere</button></form>
            """;
        return $"""
                <tr data-subject="{subject}" data-id="{id}">
                  <td><code>{WebUtility.HtmlEncode(SessionValidation.Tag(session.Id))}</code>{(session.Id == current ? " (you)" : "")}</td>
                  <td class="subject">{subject}</td>
                  <td>{session.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}</td>
                  <td>{session.ExpiresAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)}</td>
                  <td>{session.Size}</td>
                  <td><form class="inline" method="post" action="/admin/destroy">{token}<input type="hidden" name="id" value="{id}"><button type="submit" class="destroy">Destroy</button></form>
                      {signOut}</td>
                </tr>

            """;
    }
}

using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using SessionStores.Cookies;

namespace SessionDemo;

/// <summary>What the admin page can do with <c>--store cookie</c>: sessions live in the browsers, so there is nothing to
/// list, count or destroy on the server; the page says so and offers only "sign out everywhere" (a revocation).</summary>
internal static class CookieAdminPage
{
    public const string CannotDestroy =
        "Cookie sessions live in the browsers: the server keeps none, so it cannot destroy one. Sign its user out everywhere instead.";

    public static IResult Page(string token, string? notice) => Html.Page("Sessions", $"""
        {(notice is null ? "" : $"<p id=\"notice\" role=\"status\">{WebUtility.HtmlEncode(notice)}</p>")}
        <p id="no-listing">Sessions live in the browsers' cookies (<code>--store cookie</code>): the server keeps none, so it
        cannot list them, count them or destroy one. It can sign a user out everywhere: every cookie session bound to that
        user ends at its next request.</p>
        <form method="post" action="/admin/sign-out">{token}
          <label>User <input name="subject" id="subject" required></label>
          <button type="submit" class="sign-out">Sign out everywhere</button>
        </form>
        <p><a href="/dashboard">dashboard</a></p>
        """);

    public static string Consequence(string subject) => $"Every cookie session of {subject} ends at its next request.";

    public static async Task<string> SignOutEverywhereAsync(HttpContext context, string subject, CancellationToken cancellationToken)
    {
        await context.RequestServices.GetRequiredService<CookieSessionRevocation>().SignOutEverywhereAsync(subject, cancellationToken);
        return $"Signed {subject} out everywhere: their cookie sessions end at their next request.";
    }
}

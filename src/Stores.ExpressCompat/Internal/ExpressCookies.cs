using System;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>
/// express-session's cookie on the wire: the value is the signed id (<see cref="ExpressCookieSigner"/>) URL-encoded as
/// JavaScript's encodeURIComponent does (<c>s%3A…</c>), and Set-Cookie carries the attributes of the session's stored
/// cookie object in the order the npm package <c>cookie</c> writes them: Domain, Path, Expires (RFC 1123 GMT), HttpOnly,
/// Secure, Partitioned, Priority, SameSite (Max-Age is never written: express-session gives only Expires).
/// </summary>
internal sealed class ExpressCookies(ExpressSessionOptions options)
{
    public ExpressCookieSigner Signer { get; } = new([.. options.Secrets]);

    public string Name => options.CookieName;

    /// <summary>The session id of the request's cookie, or <see langword="null"/> when there is none or its signature
    /// does not verify with any secret (<paramref name="badSignature"/> tells the latter apart, for the log).</summary>
    public string? Read(HttpContext context, out bool badSignature)
    {
        badSignature = false;
        if (!context.Request.Cookies.TryGetValue(options.CookieName, out var raw) || string.IsNullOrEmpty(raw))
        {
            return null;
        }

        // Decoded as the npm package 'cookie' does (decodeURIComponent when the value contains '%'); a value that
        // arrives already unescaped has no '%' left (an id is base64url, a signature base64), so nothing is decoded twice.
        string value;
        try
        {
            value = raw.Contains('%', StringComparison.Ordinal) ? Uri.UnescapeDataString(raw) : raw;
        }
        catch (UriFormatException)
        {
            value = raw;
        }

        if (Signer.TryUnsign(value, out var id) && SessionValidation.IsValidId(id))
        {
            return id;
        }

        badSignature = true;
        return null;
    }

    /// <summary>Appends express-session's Set-Cookie for <paramref name="id"/> with the attributes of
    /// <paramref name="cookie"/> (the session's stored cookie object).</summary>
    public void Write(HttpContext context, string id, JsonObject cookie)
    {
        var header = new StringBuilder();
        header.Append(options.CookieName).Append('=').Append(Uri.EscapeDataString(Signer.Sign(id)));
        if (cookie["domain"] is JsonValue domain && domain.TryGetValue<string>(out var d) && d.Length > 0)
        {
            header.Append("; Domain=").Append(d);
        }

        if (cookie["path"] is JsonValue path && path.TryGetValue<string>(out var p) && p.Length > 0)
        {
            header.Append("; Path=").Append(p);
        }

        if (cookie["expires"] is JsonValue expires && expires.TryGetValue<string>(out var e)
            && DateTimeOffset.TryParse(e, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
        {
            header.Append("; Expires=").Append(at.UtcDateTime.ToString("r", CultureInfo.InvariantCulture));
        }

        if (IsTrue(cookie["httpOnly"]))
        {
            header.Append("; HttpOnly");
        }

        if (IsTrue(cookie["secure"]))
        {
            header.Append("; Secure");
        }

        if (IsTrue(cookie["partitioned"]))
        {
            header.Append("; Partitioned");
        }

        if (cookie["priority"] is JsonValue priority && priority.TryGetValue<string>(out var pr) && Capitalized(pr) is { } prio)
        {
            header.Append("; Priority=").Append(prio);
        }

        if (SameSite(cookie["sameSite"]) is { } sameSite)
        {
            header.Append("; SameSite=").Append(sameSite);
        }

        context.Response.Headers.Append("Set-Cookie", header.ToString());
    }

    private static bool IsTrue(JsonNode? node) => node is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    private static string? Capitalized(string value) => value.ToLowerInvariant() switch
    {
        "low" => "Low",
        "medium" => "Medium",
        "high" => "High",
        _ => null,
    };

    private static string? SameSite(JsonNode? node)
    {
        if (IsTrue(node))
        {
            return "Strict";
        }

        return node is JsonValue v && v.TryGetValue<string>(out var s)
            ? s.ToLowerInvariant() switch
            {
                "strict" => "Strict",
                "lax" => "Lax",
                "none" => "None",
                _ => null,
            }
            : null;
    }
}

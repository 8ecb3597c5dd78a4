using System;
using System.Collections.Generic;

namespace SessionStores.ExpressCompat;

/// <summary>
/// Options of <c>AddExpressSession</c>, named after express-session's own options: give them the values the Express
/// app uses, so that both apps read each other's cookie and treat it alike.
/// </summary>
public sealed class ExpressSessionOptions
{
    /// <summary>express-session's <c>secret</c>, newest first: the first signs new cookies, every one verifies (rotate by
    /// putting the new secret first and dropping the oldest later). Required; default: empty.</summary>
    public IList<string> Secrets { get; } = new List<string>();

    /// <summary>express-session's <c>name</c>: the cookie's name. Default: <c>connect.sid</c>.</summary>
    public string CookieName { get; set; } = "connect.sid";

    /// <summary><c>cookie.path</c>. Default: <c>/</c>.</summary>
    public string CookiePath { get; set; } = "/";

    /// <summary><c>cookie.domain</c>. Default: <see langword="null"/> (no Domain attribute).</summary>
    public string? CookieDomain { get; set; }

    /// <summary><c>cookie.httpOnly</c>. Default: <see langword="true"/>.</summary>
    public bool CookieHttpOnly { get; set; } = true;

    /// <summary><c>cookie.secure</c>: when set, the cookie is only sent over HTTPS (and, as express does, not set on a
    /// plain-HTTP response). Default: <see langword="false"/>.</summary>
    public bool CookieSecure { get; set; }

    /// <summary><c>cookie.sameSite</c>: <c>strict</c>, <c>lax</c>, <c>none</c> or <see langword="null"/> for no
    /// SameSite attribute. Default: <see langword="null"/> (express-session's default).</summary>
    public string? CookieSameSite { get; set; }

    /// <summary><c>cookie.maxAge</c>: how long the cookie (and so the session) lives after its last touch;
    /// <see langword="null"/> makes a browser-session cookie, which the store keeps for its own ttl. Default:
    /// <see langword="null"/> (express-session's default).</summary>
    public TimeSpan? CookieMaxAge { get; set; }

    /// <summary>express-session's <c>rolling</c>: set the cookie on every response, so its expiry restarts. Default:
    /// <see langword="false"/>.</summary>
    public bool Rolling { get; set; }

    /// <summary>express-session's <c>saveUninitialized</c>: store (and send the cookie of) a new session that the request
    /// did not change. Default: <see langword="false"/> (express-session's default is <see langword="true"/>, but it
    /// asks for the option to be set explicitly and recommends <see langword="false"/>; set the same value on both
    /// sides).</summary>
    public bool SaveUninitialized { get; set; }
}

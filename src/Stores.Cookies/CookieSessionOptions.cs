using System;

namespace SessionStores.Cookies;

/// <summary>
/// Options of cookie sessions (<c>AddCookieSession</c>). The idle timeout and the cookie's attributes (path, domain,
/// <c>Secure</c>, <c>SameSite</c>, <c>HttpOnly</c>) stay <c>SessionOptions</c> settings of <c>AddSession</c>.
/// </summary>
public sealed class CookieSessionOptions
{
    /// <summary>The default <see cref="ChunkSize"/>: 4 KB, the smallest per-cookie limit of the common browsers.</summary>
    public const int DefaultChunkSize = 4096;

    /// <summary>The default <see cref="MaxCookieSize"/>: 16 KB.</summary>
    public const int DefaultMaxCookieSize = 16 * 1024;

    /// <summary>
    /// The name of the cookie that carries the session (chunks are named <c>{CookieName}C1</c>, <c>C2</c>, …). Default
    /// <see langword="null"/>: the session middleware's cookie name (<c>SessionOptions.Cookie.Name</c>) followed by
    /// <c>.data</c>, so that a <c>__Host-</c> or <c>__Secure-</c> prefix carries over. It must differ from the middleware's
    /// own cookie, which the middleware reads (and would warn about) on every request.
    /// </summary>
    public string? CookieName { get; set; }

    /// <summary>
    /// The Data Protection purpose the payload is protected with. Default <c>SessionStores.Cookies</c>. Applications
    /// that share a key ring (the same application name) but must not read each other's sessions use different purposes.
    /// </summary>
    public string Purpose { get; set; } = "SessionStores.Cookies";

    /// <summary>
    /// The lifetime of a session from its creation, whatever its activity, checked against the creation time inside the
    /// protected payload. Default 12 hours; <see langword="null"/> for none (then no revocation store can be used, see
    /// <see cref="RevocationStore"/>).
    /// </summary>
    public TimeSpan? AbsoluteTimeout { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// How long after its last write a session's cookie is rewritten just to move its idle expiry (a "touch") when a
    /// request reads it without changing it. Default <see langword="null"/>: a tenth of <c>SessionOptions.IdleTimeout</c>.
    /// A session therefore ends between <c>IdleTimeout - TouchThreshold</c> and <c>IdleTimeout</c> after its last request;
    /// a smaller value costs a <c>Set-Cookie</c> on more responses. Must be shorter than the idle timeout.
    /// </summary>
    public TimeSpan? TouchThreshold { get; set; }

    /// <summary>
    /// The largest single cookie (<c>name=value</c> and its attributes) sent; a larger session is split over several
    /// cookies by ASP.NET Core's <c>ChunkingCookieManager</c>. Default <see cref="DefaultChunkSize"/> (4096); at least 1024.
    /// </summary>
    public int ChunkSize { get; set; } = DefaultChunkSize;

    /// <summary>
    /// The largest protected, encoded session (all chunks together, in characters). A commit that would exceed it fails
    /// with <see cref="CookieSessionTooLargeException"/> (the response is a 500 problem; no cookie is changed). Default
    /// <see cref="DefaultMaxCookieSize"/> (16 KB): browsers send every cookie of a site on every request, and servers and
    /// proxies bound the request headers (Kestrel: 32 KB in all; nginx: 8 KB per header line by default).
    /// </summary>
    public int MaxCookieSize { get; set; } = DefaultMaxCookieSize;

    /// <summary>
    /// Where the per-subject revocation generations live (any <see cref="ISessionStore"/>, shared by every instance of the
    /// application), for <see cref="CookieSessionRevocation.SignOutEverywhereAsync"/>. Default <see langword="null"/>: no
    /// revocation, and no store call at all. When set, every request of a session bound to a subject reads that subject's
    /// generation (one round trip), and <see cref="AbsoluteTimeout"/> must be set: a generation is kept for that long
    /// after its last change, when every cookie issued before the change has expired.
    /// </summary>
    public ISessionStore? RevocationStore { get; set; }
}

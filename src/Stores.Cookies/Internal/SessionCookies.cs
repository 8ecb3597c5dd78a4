using System;
using System.Buffers.Text;
using System.Globalization;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace SessionStores.Cookies.Internal;

/// <summary>
/// The session's cookies on the wire: Data Protection (encryption and authentication, keys from the application's key
/// ring, so rotation is the key ring's), base64url, and ASP.NET Core's <see cref="ChunkingCookieManager"/> to split a
/// value larger than one cookie may be (<c>{name}=chunks-N</c>, then <c>{name}C1</c> … <c>{name}CN</c>). The attributes
/// are the session middleware's cookie's (<c>SessionOptions.Cookie</c>).
/// </summary>
internal sealed class SessionCookies
{
    private const string ChunkCountPrefix = "chunks-";
    private const string ChunkSuffix = "C";

    // More chunks than a valid session can have (MaxCookieSize is at most 64 KB, a chunk at least 1 KB).
    private const int MaxChunks = 64;

    private readonly IDataProtector _protector;
    private readonly SessionOptions _sessionOptions;
    private readonly int _maxSize;
    private readonly ChunkingCookieManager _chunks;

    public SessionCookies(IDataProtectionProvider dataProtection, CookieSessionOptions options, SessionOptions sessionOptions)
    {
        _protector = dataProtection.CreateProtector(options.Purpose);
        _sessionOptions = sessionOptions;
        _maxSize = options.MaxCookieSize;
        Name = options.CookieName ?? sessionOptions.Cookie.Name + ".data";

        // An incomplete set of chunks throws (FormatException), which the session reports as an unreadable cookie.
        _chunks = new ChunkingCookieManager { ChunkSize = options.ChunkSize, ThrowForPartialCookies = true };
    }

    public string Name { get; }

    /// <summary>Whether the request carries the session cookie at all.</summary>
    public bool InRequest(HttpContext context) => context.Request.Cookies.ContainsKey(Name);

    /// <summary>
    /// The authenticated payload of the request's cookie, or <see langword="null"/> when there is none. Throws
    /// <see cref="FormatException"/> (chunks missing, not base64url) or
    /// <see cref="System.Security.Cryptography.CryptographicException"/> (tampered, or its key is unknown or revoked).
    /// </summary>
    public byte[]? Read(HttpContext context)
    {
        var value = _chunks.GetRequestCookie(context, Name);
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return _protector.Unprotect(Base64Url.DecodeFromChars(value));
    }

    /// <summary>Protects and sets <paramref name="payload"/>, or throws <see cref="CookieSessionTooLargeException"/>
    /// before the response is touched.</summary>
    public void Write(HttpContext context, byte[] payload)
    {
        var value = Base64Url.EncodeToString(_protector.Protect(payload));
        if (value.Length > _maxSize)
        {
            throw new CookieSessionTooLargeException(value.Length, _maxSize);
        }

        var options = _sessionOptions.Cookie.Build(context);
        _chunks.AppendResponseCookie(context, Name, value, options);

        // Chunks of the request's cookie that this response no longer sets would linger beside the new value.
        // The count comes from the client: bounded, and only chunks it really sent are deleted.
        var stale = Math.Min(RequestChunkCount(context), MaxChunks);
        for (var i = 1; i <= stale; i++)
        {
            var chunk = Name + ChunkSuffix + i.ToString(CultureInfo.InvariantCulture);
            if (context.Request.Cookies.ContainsKey(chunk) && !ResponseSets(context, chunk))
            {
                context.Response.Cookies.Delete(chunk, options);
            }
        }
    }

    /// <summary>Deletes the cookie and every chunk the request carried, with the cookie's own attributes (browsers
    /// ignore a deletion of a <c>__Host-</c> or <c>SameSite=None</c> cookie without them).</summary>
    public void Delete(HttpContext context) => _chunks.DeleteCookie(context, Name, _sessionOptions.Cookie.Build(context));

    private int RequestChunkCount(HttpContext context) =>
        context.Request.Cookies[Name] is { } value
        && value.StartsWith(ChunkCountPrefix, StringComparison.Ordinal)
        && int.TryParse(value.AsSpan(ChunkCountPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            ? count
            : 0;

    private static bool ResponseSets(HttpContext context, string name)
    {
        foreach (var header in context.Response.Headers.SetCookie)
        {
            if (header is not null && header.StartsWith(name + "=", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

using System;

namespace SessionStores.Cookies;

/// <summary>
/// A cookie session grew past <see cref="CookieSessionOptions.MaxCookieSize"/>. Thrown by the commit (the application's
/// own <c>CommitAsync</c>, or the one before the response, which then answers 500 with a problem details body and leaves
/// the browser's cookies as they were). Store less in the session (an id rather than an object), raise the limit, or use
/// a server-side store.
/// </summary>
public sealed class CookieSessionTooLargeException : SessionStoreException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="size">The protected, encoded session's size in characters.</param>
    /// <param name="limit">The configured limit.</param>
    public CookieSessionTooLargeException(int size, int limit)
        : base($"The cookie session needs {size} characters of cookie (protected and encoded), more than CookieSessionOptions.MaxCookieSize ({limit}); nothing was written. Store less in the session (an id rather than an object), raise MaxCookieSize, or use a server-side store.")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>The protected, encoded session's size in characters.</summary>
    public int Size { get; }

    /// <summary>The configured <see cref="CookieSessionOptions.MaxCookieSize"/>.</summary>
    public int Limit { get; }
}

using System;

namespace SessionStores.ExpressCompat;

/// <summary>
/// A store that keeps sessions in the storage format of an express-session store (a profile: connect-redis, …), so
/// that an Express app using that store reads and writes the same sessions. <c>AddExpressSession</c>'s sessions work
/// over the one registered in the services.
/// </summary>
public interface IExpressSessionFormat : ISessionStore
{
    /// <summary>How long the store keeps a session saved with <paramref name="cookie"/>, by the npm store's own rule
    /// (connect-redis: until the cookie's <c>expires</c>, rounded up to whole seconds, else its <c>ttl</c>).</summary>
    /// <param name="cookie">The session's cookie, as it will be saved.</param>
    /// <param name="now">The current time.</param>
    /// <returns>The time to live, or <see langword="null"/> when the session has already expired by that rule (the npm
    /// store then destroys it instead of saving it, and so does the .NET side).</returns>
    TimeSpan? TimeToLive(ExpressSessionCookie cookie, DateTimeOffset now);
}

/// <summary>What of a session's <c>cookie</c> object decides how long a store keeps it.</summary>
/// <param name="Expires">The cookie's <c>expires</c>; <see langword="null"/> for a browser-session cookie.</param>
/// <param name="OriginalMaxAge">The cookie's <c>originalMaxAge</c>; <see langword="null"/> for a browser-session cookie.</param>
public readonly record struct ExpressSessionCookie(DateTimeOffset? Expires, TimeSpan? OriginalMaxAge);

using Microsoft.AspNetCore.Http;
using SessionStores.Cookies.Internal;

namespace SessionStores.Cookies;

/// <summary>What an application may ask of <c>HttpContext.Session</c> about cookie sessions.</summary>
/// <remarks>Subjects, sign-in and destroy are the same extension methods as for store-backed sessions
/// (<c>SessionStores.AspNetCore.StoreBackedSessionExtensions</c>: <c>SetSubject</c>, <c>GetSubject</c>,
/// <c>RegenerateId</c>, <c>DestroyAsync</c>); they work on a cookie session too.</remarks>
public static class CookieSessionExtensions
{
    /// <summary>Whether this session is a cookie session (registered with <c>AddCookieSession</c>).</summary>
    /// <param name="session">The session.</param>
    /// <returns><see langword="true"/> for a cookie session.</returns>
    public static bool IsCookieSession(this ISession session) => session is CookieSession;
}

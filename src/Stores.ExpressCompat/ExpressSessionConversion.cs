using System;
using SessionStores.AspNetCore.Internal;
using SessionStores.ExpressCompat.Internal;

namespace SessionStores.ExpressCompat;

/// <summary>
/// Turns a session stored in an express-session format into the data the ASP.NET Core integration
/// (<c>AddStoreBackedSession</c>) keeps, for the one-off switch to a native store when the last Express route is gone
/// (<c>sessionstores convert-express</c> does it for a whole store).
/// </summary>
public static class ExpressSessionConversion
{
    /// <summary>
    /// Converts one express-session session JSON (as <see cref="ExpressSessionFormatStore.GetAsync"/> reads it) into the
    /// ASP.NET Core session data of the same values: every property but <c>cookie</c> becomes one <c>ISession</c> key,
    /// its value the property's UTF-8 JSON, exactly as <c>AddExpressSession</c> shows it (so <c>GetJson&lt;T&gt;</c> reads
    /// the same value before and after the switch). The cookie object is dropped: the native store keeps the lifetime.
    /// </summary>
    /// <param name="id">The session id, named in the exception when the JSON is not a session.</param>
    /// <param name="expressSession">The stored session JSON.</param>
    /// <param name="createdAt">The creation time to record (the origin of an absolute lifetime); the formats keep none,
    /// so the converter passes the time of the conversion.</param>
    /// <returns>The data to store under the same id in the native store.</returns>
    /// <exception cref="SessionDataCorruptedException">The stored value is not a JSON object.</exception>
    public static byte[] ToAspNetCoreSession(string id, ReadOnlySpan<byte> expressSession, DateTimeOffset createdAt)
    {
        SessionValidation.ValidateId(id);
        var document = ExpressSessionDocument.Parse(id, expressSession);
        return SessionPayload.Encode(createdAt.ToUnixTimeMilliseconds(), document.Values());
    }
}

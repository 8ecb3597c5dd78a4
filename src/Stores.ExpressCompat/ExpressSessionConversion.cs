using System;
using System.Security.Cryptography;
using System.Text;
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
    /// The id under which a converted session is stored natively. ASP.NET Core's session middleware accepts only its
    /// own 36-character keys (a GUID string) from its cookie and starts a new session for any other, so an Express id
    /// (32 base64url characters) cannot be kept as it is. The key is derived from the Express id (the first 16 bytes of
    /// its SHA-256, as a GUID string): the same on every run, so re-runs find what they converted, and computable from
    /// a verified Express cookie, so the new app can hand a returning browser the cookie of its converted session.
    /// Deriving it gives nothing away: whoever has the Express id already holds that session.
    /// </summary>
    /// <param name="expressSessionId">The Express session id (what follows <c>s:</c> in a verified <c>connect.sid</c>).</param>
    /// <returns>The 36-character native session key.</returns>
    public static string AspNetCoreSessionKey(string expressSessionId)
    {
        SessionValidation.ValidateId(expressSessionId);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(expressSessionId), hash);
        return new Guid(hash[..16]).ToString();
    }

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
    /// <returns>The data to store in the native store under <see cref="AspNetCoreSessionKey"/> of the id.</returns>
    /// <exception cref="SessionDataCorruptedException">The stored value is not a JSON object.</exception>
    public static byte[] ToAspNetCoreSession(string id, ReadOnlySpan<byte> expressSession, DateTimeOffset createdAt)
    {
        SessionValidation.ValidateId(id);
        var document = ExpressSessionDocument.Parse(id, expressSession);
        return SessionPayload.Encode(createdAt.ToUnixTimeMilliseconds(), document.Values());
    }
}

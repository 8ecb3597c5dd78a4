using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionStores.AspNetCore;
using SessionStores.AspNetCore.Internal;

namespace SessionStores.Cookies.Internal;

/// <summary>The session middleware's factory, replaced by ours: every session it creates lives in the request's cookies.
/// The middleware's own session key is not used (its cookie is never set): a cookie session's id travels in its payload.</summary>
internal sealed class CookieSessionFactory : Microsoft.AspNetCore.Session.ISessionStore
{
    private readonly CookieSession.Settings _settings;

    public CookieSessionFactory(
        IOptions<CookieSessionOptions> options,
        IOptions<SessionOptions> sessionOptions,
        IOptions<StoreBackedSessionOptions> integrationOptions,
        IDataProtectionProvider dataProtection,
        CookieSessionRevocation revocation,
        TimeProvider time,
        ILogger<CookieSession> logger)
    {
        var cookieOptions = options.Value;
        var idle = sessionOptions.Value.IdleTimeout;
        _settings = new CookieSession.Settings(
            new SessionCookies(dataProtection, cookieOptions, sessionOptions.Value),
            cookieOptions.AbsoluteTimeout,
            cookieOptions.TouchThreshold ?? idle / 10,
            revocation,
            integrationOptions.Value,
            time,
            logger);
    }

    public ISession Create(string sessionKey, TimeSpan idleTimeout, TimeSpan ioTimeout, Func<bool> tryEstablishSession, bool isNewSessionKey) =>
        new CookieSession(_settings, idleTimeout, SessionRequestScope.Current);
}

using System;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SessionStores.AspNetCore;
using SessionStores.AspNetCore.Internal;

namespace SessionStores.ExpressCompat.Internal;

/// <summary>The session middleware's factory, replaced by ours: every session it creates is an Express session. The
/// middleware's own cookie is never set (its tryEstablishSession is not called): the id travels in express-session's.</summary>
internal sealed class ExpressSessionFactory : Microsoft.AspNetCore.Session.ISessionStore
{
    private readonly ExpressSession.Settings _settings;

    public ExpressSessionFactory(
        IOptions<ExpressSessionOptions> options,
        IOptions<StoreBackedSessionOptions> integrationOptions,
        IExpressSessionFormat store,
        TimeProvider time,
        ILogger<ExpressSession> logger)
    {
        _settings = new ExpressSession.Settings(
            new ExpressCookies(options.Value), store, options.Value, integrationOptions.Value, time, logger);
    }

    public ISession Create(string sessionKey, TimeSpan idleTimeout, TimeSpan ioTimeout, Func<bool> tryEstablishSession, bool isNewSessionKey) =>
        new ExpressSession(_settings, SessionRequestScope.Current);
}

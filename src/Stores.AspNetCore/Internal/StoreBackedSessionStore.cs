using System;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace SessionStores.AspNetCore.Internal;

/// <summary>The session middleware's factory, replaced by ours: every session it creates lives in the <see cref="ISessionStore"/>.</summary>
internal sealed class StoreBackedSessionStore : Microsoft.AspNetCore.Session.ISessionStore
{
    private readonly StoreBackedSession.Settings _settings;

    public StoreBackedSessionStore(
        ISessionStore store,
        IOptions<StoreBackedSessionOptions> options,
        IOptions<SessionOptions> sessionOptions,
        TimeProvider time,
        ILogger<StoreBackedSession> logger,
        IDataProtectionProvider? dataProtection = null)
    {
        _settings = new StoreBackedSession.Settings(store, options.Value, sessionOptions.Value, time, logger, dataProtection);
    }

    /// <summary>The per-session gate of this application (tests and diagnostics).</summary>
    internal SessionGate Gate => _settings.Gate;

    public ISession Create(string sessionKey, TimeSpan idleTimeout, TimeSpan ioTimeout, Func<bool> tryEstablishSession, bool isNewSessionKey) =>
        new StoreBackedSession(
            _settings,
            sessionKey,
            idleTimeout,
            ioTimeout,
            tryEstablishSession,
            isNewSessionKey,
            SessionRequestScope.Current);
}

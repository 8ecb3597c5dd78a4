using System;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;

namespace SessionStores.AspNetCore.Internal;

internal sealed partial class StoreBackedSession
{
    /// <summary>What every session of one application shares.</summary>
    internal sealed class Settings
    {
        private readonly IDataProtector? _cookieProtector;

        public Settings(ISessionStore store, StoreBackedSessionOptions options, SessionOptions sessionOptions, TimeProvider time, ILogger logger, IDataProtectionProvider? dataProtection = null)
        {
            Store = store;
            Options = options;
            SessionOptions = sessionOptions;
            Time = time;
            Logger = logger;
            Outage = new StoreOutageLog(logger);

            // SessionOptions.IOTimeout bounds each store call with the stores' own deadline mechanism; an infinite one (or
            // one longer than a runner allows) leaves each call to the store's own OperationTimeout.
            var ioTimeout = sessionOptions.IOTimeout;
            if (ioTimeout > TimeSpan.Zero && ioTimeout <= SessionLimits.MaxOperationTimeout)
            {
                IoRunner = new SessionStoreOperationRunner("The registered", ioTimeout, logger) { TimeoutSetting = "SessionOptions.IOTimeout", DeadlineOnWait = true };
            }

            // The session middleware's own protector (purpose "SessionMiddleware") and cookie encoding, so that a cookie
            // issued for a regenerated id is one the middleware reads back.
            _cookieProtector = dataProtection?.CreateProtector("SessionMiddleware");
        }

        /// <summary>The cookie value the session middleware expects for <paramref name="sessionKey"/>.</summary>
        public string ProtectCookieValue(string sessionKey)
        {
            var protector = _cookieProtector ?? throw new InvalidOperationException("Regenerating the session id needs ASP.NET Core data protection (AddSession registers it).");
            return Convert.ToBase64String(protector.Protect(Encoding.UTF8.GetBytes(sessionKey))).TrimEnd('=');
        }

        public ISessionStore Store { get; }

        public StoreBackedSessionOptions Options { get; }

        public SessionOptions SessionOptions { get; }

        public TimeProvider Time { get; }

        public ILogger Logger { get; }

        /// <summary>The per-session gate of this application (<see cref="SessionConcurrency.Serialized"/>,
        /// <see cref="SessionConcurrency.Exclusive"/>).</summary>
        public SessionGate Gate { get; } = new();

        /// <summary>Bounds each store call by <c>SessionOptions.IOTimeout</c>, or <see langword="null"/> when it does not.</summary>
        public SessionStoreOperationRunner? IoRunner { get; }

        /// <summary>Logs store outages once per incident.</summary>
        public StoreOutageLog Outage { get; }
    }
}

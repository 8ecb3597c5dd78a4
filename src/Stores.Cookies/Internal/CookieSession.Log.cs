using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.Cookies.Internal;

internal sealed partial class CookieSession
{
    /// <summary>The log of cookie sessions (EventIds 1800–1899). Sessions appear only as their tag; never their data.</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 1800, EventName = "CookieUnreadable", Level = LogLevel.Information, Message = "The session cookie could not be read ({Reason}); the request starts with a new empty session and the cookie is deleted")]
        public static partial void CookieUnreadable(ILogger logger, string reason, Exception exception);

        [LoggerMessage(EventId = 1801, EventName = "SessionExpired", Level = LogLevel.Information, Message = "Session {SessionTag} passed its {Timeout} timeout; the request starts with a new empty session")]
        public static partial void SessionExpired(ILogger logger, string sessionTag, string timeout);

        [LoggerMessage(EventId = 1802, EventName = "SessionRevoked", Level = LogLevel.Information, Message = "Session {SessionTag} was revoked (its subject was signed out everywhere); the request starts with a new empty session")]
        public static partial void SessionRevoked(ILogger logger, string sessionTag);

        [LoggerMessage(EventId = 1803, EventName = "CommitFailed", Level = LogLevel.Error, Message = "Committing cookie session {SessionTag} failed; no cookie was changed")]
        public static partial void CommitFailed(ILogger logger, string sessionTag, Exception exception);
    }
}

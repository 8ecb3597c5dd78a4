using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.ExpressCompat.Internal;

internal sealed partial class ExpressSession
{
    /// <summary>EventIds 2000–2099: SessionStores.ExpressCompat.</summary>
    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, EventName = nameof(CookieSignatureInvalid), Level = LogLevel.Information,
            Message = "The request's express-session cookie is not signed with any configured secret (tampered, or signed with a rotated-out secret); a new session starts.")]
        public static partial void CookieSignatureInvalid(ILogger logger);

        [LoggerMessage(EventId = 2001, EventName = nameof(CommitFailed), Level = LogLevel.Error,
            Message = "Committing Express session {SessionTag} failed.")]
        public static partial void CommitFailed(ILogger logger, string sessionTag, Exception exception);
    }
}

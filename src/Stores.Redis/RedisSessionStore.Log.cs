using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.Redis;

public sealed partial class RedisSessionStore
{
    // Failures of operations are not logged here: the runner wraps them for the caller, who decides (the ASP.NET Core
    // layer logs outages). What is logged is what no caller hears of: background work and connection attempts.
    private static partial class Log
    {
        [LoggerMessage(EventId = 1200, EventName = nameof(ConnectFailed), Level = LogLevel.Warning, Message = "Connecting to Redis failed")]
        public static partial void ConnectFailed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 1201, EventName = nameof(StaleIndexEntriesRemoved), Level = LogLevel.Debug,
            Message = "Removed {Count} stale entries from a Redis subject index")]
        public static partial void StaleIndexEntriesRemoved(ILogger logger, int count);

        [LoggerMessage(EventId = 1202, EventName = nameof(IndexWriteFailed), Level = LogLevel.Warning,
            Message = "A Redis subject index update of session {Operation} failed while no caller was waiting for it (session {SessionTag}); "
                + "the session, if it exists, may be missing from its subject's listings until it is written again")]
        public static partial void IndexWriteFailed(ILogger logger, string operation, string sessionTag, Exception exception);

        [LoggerMessage(EventId = 1203, EventName = nameof(AbandonedOperationFailed), Level = LogLevel.Debug,
            Message = "Redis session {Operation} failed after its caller stopped waiting (session {SessionTag})")]
        public static partial void AbandonedOperationFailed(ILogger logger, string operation, string sessionTag, Exception exception);

        [LoggerMessage(EventId = 1204, EventName = nameof(AnnounceFailed), Level = LogLevel.Warning,
            Message = "Telling near caches about a bulk delete failed; they serve what it deleted until their entry age passes")]
        public static partial void AnnounceFailed(ILogger logger, Exception exception);
    }
}

using System;
using Microsoft.Extensions.Logging;

namespace SessionStores;

public partial class NearCachedSessionStore
{
    // Event ids 200–249 belong to the near cache (docs/adding-a-store.md).
    private static partial class Log
    {
        [LoggerMessage(EventId = 200, EventName = nameof(FeedLost), Level = LogLevel.Warning,
            Message = "The near cache's invalidation feed was lost ({Reason}): the cache is emptied and every call goes to the store until the feed is back")]
        public static partial void FeedLost(ILogger logger, string reason, Exception? exception);

        [LoggerMessage(EventId = 201, EventName = nameof(FeedLive), Level = LogLevel.Information,
            Message = "The near cache's invalidation feed is live: sessions are cached again, starting empty")]
        public static partial void FeedLive(ILogger logger);

        [LoggerMessage(EventId = 202, EventName = nameof(SubscribeFailed), Level = LogLevel.Warning,
            Message = "Subscribing to the near cache's invalidation feed failed (attempt {Attempt}); retrying in {Delay}, every call goes to the store meanwhile")]
        public static partial void SubscribeFailed(ILogger logger, int attempt, TimeSpan delay, Exception exception);

        [LoggerMessage(EventId = 203, EventName = nameof(BackgroundTouchFailed), Level = LogLevel.Warning,
            Message = "Session {SessionTag}: the near cache's background touch failed; the session is no longer cached, and its next read goes to the store")]
        public static partial void BackgroundTouchFailed(ILogger logger, string sessionTag, Exception exception);
    }
}

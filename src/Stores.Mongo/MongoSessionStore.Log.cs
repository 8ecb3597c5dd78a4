using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.Mongo;

/// <content>Every log message of the store (event ids 1400–1499).</content>
public sealed partial class MongoSessionStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1400, EventName = nameof(IndexesReady), Level = LogLevel.Debug,
            Message = "Session indexes are ready on {Collection}")]
        public static partial void IndexesReady(ILogger logger, string collection);

        [LoggerMessage(EventId = 1401, EventName = nameof(IndexCreationFailed), Level = LogLevel.Warning,
            Message = "Creating the session index {Index} failed; the next operation retries")]
        public static partial void IndexCreationFailed(ILogger logger, string index, Exception exception);

        [LoggerMessage(EventId = 1402, EventName = nameof(IndexConflict), Level = LogLevel.Warning,
            Message = "A different index on the keys of session index {Index} already exists; it is kept. Check that expiresAt still has a TTL index, or expired sessions are never removed")]
        public static partial void IndexConflict(ILogger logger, string index, Exception exception);

        [LoggerMessage(EventId = 1403, EventName = nameof(UpsertRetried), Level = LogLevel.Debug,
            Message = "A concurrent first write of session {SessionTag} won the insert; the upsert was retried as an update")]
        public static partial void UpsertRetried(ILogger logger, string sessionTag);
    }
}

using System;
using Microsoft.Extensions.Logging;

namespace SessionStores.SqlServer;

/// <content>Every log message of the store (event ids 1500–1599).</content>
public sealed partial class SqlServerSessionStore
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1500, EventName = nameof(Pruned), Level = LogLevel.Debug,
            Message = "Pruned {Count} expired sessions from {Table}")]
        public static partial void Pruned(ILogger logger, long count, string table);

        [LoggerMessage(EventId = 1501, EventName = nameof(PruneSkipped), Level = LogLevel.Debug,
            Message = "Skipped pruning {Table}: another instance holds the pruning lock")]
        public static partial void PruneSkipped(ILogger logger, string table);

        [LoggerMessage(EventId = 1502, EventName = nameof(PruneFailed), Level = LogLevel.Error,
            Message = "Pruning expired sessions from {Table} failed; the next interval retries")]
        public static partial void PruneFailed(ILogger logger, string table, Exception exception);

        [LoggerMessage(EventId = 1503, EventName = nameof(UpsertRetried), Level = LogLevel.Warning,
            Message = "A concurrent first write of session {SessionTag} won the insert (SQL Server error {ErrorNumber}); the upsert was retried as an update")]
        public static partial void UpsertRetried(ILogger logger, string sessionTag, int errorNumber);

        [LoggerMessage(EventId = 1504, EventName = nameof(PruneLockReleaseFailed), Level = LogLevel.Warning,
            Message = "Releasing the pruning lock of {Table} after a failed run ({Failure}) failed; the lock ends with the connection")]
        public static partial void PruneLockReleaseFailed(ILogger logger, string table, string failure, Exception exception);
    }
}
